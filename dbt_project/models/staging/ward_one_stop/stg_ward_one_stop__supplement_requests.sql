-- Supplement requests of the kept ward dossier version.
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'},
          pre_hook="{{ replace_children(ref('stg_ward_one_stop__dossiers'), 'dossier_sk') }}") }}
with

kept as (
    {{ of_kept_version(source('ward_one_stop', 'supplement_requests'), ref('stg_ward_one_stop__dossiers'), 'dossier_id', 'dossier_id') }}
),

latest as (
    {{ latest_version('kept', ['dossier_id', '_ordinal'], '_page') }}
),

renamed as (
    select
        r.dossier_id,
        {{ dossier_sk('r.dossier_id') }} as dossier_sk,
        r._ordinal as request_seq,
        r.reason as request_content,
        {{ vn_iso_ts('r.requested_at') }} as requested_at,
        {{ vn_iso_ts('r.resumed_at') }} as resumed_at,
        {{ vn_iso_ts('r.old_due_at') }} as old_due_at,
        {{ vn_iso_ts('r.new_due_at') }} as new_due_at,
        r._extracted_at
    from latest as r
)

select * from renamed
