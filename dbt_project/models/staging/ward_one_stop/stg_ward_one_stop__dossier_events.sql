-- Status events of ward dossiers.
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
        status as status_raw,
        codes.status_code,
        note as description,
        actor_role,
        {{ vn_iso_ts('occurred_at') }} as occurred_at
    from latest
    left join status_codes as codes on codes.ward_status = latest.status
)

select * from renamed
