-- Supplement requests of the kept dossier version only (a later version replaces the list).
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'},
          pre_hook="{{ replace_children(ref('stg_district_one_stop__dossiers'), 'dossier_sk') }}") }}
with

kept as (
    {{ of_kept_version(source('district_one_stop', 'supplement_requests'), ref('stg_district_one_stop__dossiers'), '"MaHoSo"', 'dossier_id') }}
),

latest as (
    {{ latest_version('kept', ['"MaHoSo"', '_ordinal'], '_page') }}
),

renamed as (
    select
        r."MaHoSo" as dossier_id,
        {{ dossier_sk('r."MaHoSo"') }} as dossier_sk,
        r._ordinal as request_seq,
        r."NoiDungBoSung" as request_content,
        {{ vn_compact_ts('r."NgayYeuCauBoSung"') }} as requested_at,
        {{ vn_compact_ts('r."NgayTiepNhanBoSung"') }} as resumed_at,
        {{ vn_compact_ts('r."NgayHenTraTruoc"') }} as old_due_at,
        {{ vn_compact_ts('r."NgayHenTraMoi"') }} as new_due_at,
        r._extracted_at
    from latest as r
)

select * from renamed
