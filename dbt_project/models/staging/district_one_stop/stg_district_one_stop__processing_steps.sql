-- Processing steps (QuaTrinhXuLy) of the kept dossier version.
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'},
          pre_hook="{{ replace_children(ref('stg_district_one_stop__dossiers'), 'dossier_sk') }}") }}
with

kept as (
    {{ of_kept_version(source('district_one_stop', 'processing_steps'), ref('stg_district_one_stop__dossiers'), '"MaHoSo"', 'dossier_id') }}
),

latest as (
    {{ latest_version('kept', ['"MaHoSo"', '_ordinal'], '_page') }}
),

renamed as (
    select
        s."MaHoSo" as dossier_id,
        {{ dossier_sk('s."MaHoSo"') }} as dossier_sk,
        s._ordinal as step_seq,
        s."TrangThai" as status_code,
        s."NoiDungXuLy" as description,
        s."ChucDanh" as actor_role,
        s."PhongBanXuLy" as department,
        {{ vn_compact_ts('s."ThoiDiemXuLy"') }} as occurred_at,
        s._extracted_at
    from latest as s
)

select * from renamed
