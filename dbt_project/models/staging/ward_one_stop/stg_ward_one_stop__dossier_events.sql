-- Status events of ward dossiers.
{{ config(materialized='incremental', unique_key='event_id', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'}) }}
with

latest as (
    {{ latest_version(source('ward_one_stop', 'dossier_events'), 'event_id', 'updated_at') }}
),

status_codes as (
    select ward_status, status_code from {{ ref('ward_status_codes') }}
),

renamed as (
    select
        event_id,
        dossier_id,
        {{ dossier_sk() }} as dossier_sk,
        status as status_raw,
        codes.status_code,
        note as description,
        actor_role,
        {{ vn_iso_ts('occurred_at') }} as occurred_at,
        updated_at as cursor_raw,
        _batch_id as batch_id,
        _extracted_at
    from latest
    left join status_codes as codes on codes.ward_status = latest.status
)

select * from renamed
{{ unless_held('renamed', 'event_id') }}
