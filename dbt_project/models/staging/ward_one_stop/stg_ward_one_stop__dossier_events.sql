-- Status events of ward dossiers.
with

source as (
    select * from {{ landing('ward_one_stop', 'dossier_events') }}
    qualify row_number() over (partition by event_id order by updated_at desc, _batch_id desc) = 1
),

renamed as (
    select
        event_id,
        dossier_id,
        status as status_raw,
        {{ ward_status_code('status') }} as status_code,
        note as description,
        actor_role,
        {{ vn_iso_ts('occurred_at') }} as occurred_at
    from source
)

select * from renamed
