-- Ward/commune one-stop dossiers: latest version, renamed, typed; string enums kept and coded.
with

source as (
    select * from {{ landing('ward_one_stop', 'dossiers') }}
),

latest as (
    select * from source
    qualify row_number() over (partition by id order by updated_at desc, _batch_id desc) = 1
),

renamed as (
    select
        -- ids
        id as dossier_id,
        unit_code,
        procedure_code,
        field_code,
        applicant__full_name as applicant_pseudonym,
        applicant__type as applicant_type,
        -- codes
        channel,
        case channel when 'direct' then 1 when 'online' then 2 when 'postal' then 3 end as channel_code,
        online_level,
        {{ ward_status_code('status') }} as status_code,
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
        _batch_id as batch_id
    from latest
)

select * from renamed
