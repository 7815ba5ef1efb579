-- Ward/commune one-stop dossiers: latest version, renamed, typed; string enums kept and coded.
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'}) }}
with

latest as (
    {{ latest_version(source('ward_one_stop', 'dossiers'), 'id', 'updated_at') }}
),

status_codes as (
    select ward_status, status_code from {{ ref('ward_status_codes') }}
),

renamed as (
    select
        -- ids
        id as dossier_id,
        {{ dossier_sk('id') }} as dossier_sk,
        unit_code,
        procedure_code,
        field_code,
        applicant__full_name as applicant_pseudonym,
        applicant__type as applicant_type,
        -- codes
        channel,
        case channel when 'direct' then 1 when 'online' then 2 when 'postal' then 3 end as channel_code,
        online_level,
        codes.status_code,
        status as status_raw,
        -- flags
        coalesce(return_method = 'postal', false) as postal_return_requested,
        coalesce(postal_delivered, false) as postal_returned,
        coalesce(return_method = 'online', false) as result_returned_online,
        coalesce(has_digitised_inputs, false) as has_digitised_inputs,
        coalesce(result_digitised, false) as result_digitised,
        coalesce(paid_online, false) as paid_online,
        fee_amount,
        fee_paid_online_amount,
        -- timestamps (Vietnam local)
        {{ vn_iso_ts('submitted_at') }} as submitted_at,
        {{ vn_iso_ts('received_at') }} as received_at,
        {{ vn_iso_ts('due_at') }} as due_at,
        {{ vn_iso_ts('finished_at') }} as finished_at,
        {{ vn_iso_ts('returned_at') }} as returned_at,
        {{ vn_iso_ts('updated_at') }} as updated_at,
        received_at as received_at_raw,
        due_at as due_at_raw,
        finished_at as finished_at_raw,
        updated_at as cursor_raw,
        _batch_id as batch_id,
        _extracted_at
    from latest
    left join status_codes as codes on codes.ward_status = latest.status
)

select * from renamed
{{ unless_held('renamed', 'dossier_sk') }}
