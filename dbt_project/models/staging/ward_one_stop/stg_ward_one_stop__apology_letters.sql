-- Apology letters of the kept ward dossier version.
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'},
          pre_hook="{{ replace_children(ref('stg_ward_one_stop__dossiers'), 'dossier_sk') }}") }}
with

kept as (
    {{ of_kept_version(source('ward_one_stop', 'apology_letters'), ref('stg_ward_one_stop__dossiers'), 'dossier_id', 'dossier_id') }}
),

latest as (
    {{ latest_version('kept', ['dossier_id', '_ordinal'], '_page') }}
),

renamed as (
    select
        l.dossier_id,
        {{ dossier_sk('l.dossier_id') }} as dossier_sk,
        l._ordinal as letter_seq,
        l.reason,
        {{ vn_iso_ts('l.issued_at') }} as issued_at,
        {{ vn_iso_ts('l.old_due_at') }} as old_due_at,
        {{ vn_iso_ts('l.new_due_at') }} as new_due_at,
        l._extracted_at
    from latest as l
)

select * from renamed
