-- Apology letters (phiếu xin lỗi) of the kept dossier version.
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'},
          pre_hook="{{ replace_children(ref('stg_district_one_stop__dossiers'), 'dossier_sk') }}") }}
with

kept as (
    {{ of_kept_version(source('district_one_stop', 'apology_letters'), ref('stg_district_one_stop__dossiers'), '"MaHoSo"', 'dossier_id') }}
),

latest as (
    {{ latest_version('kept', ['"MaHoSo"', '_ordinal'], '_page') }}
),

renamed as (
    select
        l."MaHoSo" as dossier_id,
        {{ dossier_sk('l."MaHoSo"') }} as dossier_sk,
        l._ordinal as letter_seq,
        l."LyDo" as reason,
        {{ vn_compact_ts('l."NgayXinLoi"') }} as issued_at,
        {{ vn_compact_ts('l."NgayHenTraCu"') }} as old_due_at,
        {{ vn_compact_ts('l."NgayHenTraMoi"') }} as new_due_at,
        l._extracted_at
    from latest as l
)

select * from renamed
