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
        case status
            when 'new' then 1 when 'received' then 2 when 'rejected' then 3 when 'processing' then 4
            when 'supplement_requested' then 5 when 'financial_obligation' then 6 when 'withdrawn' then 7
            when 'stopped' then 8 when 'processed' then 9 when 'returned' then 10
        end as status_code,
        note as description,
        actor_role,
        {{ vn_iso_ts('occurred_at') }} as occurred_at
    from source
)

select * from renamed
