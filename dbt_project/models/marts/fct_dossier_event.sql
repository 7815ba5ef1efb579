-- Processing steps (district) and status events (ward) of the kept dossier versions, one row each.
with

district_steps as (
    select
        dossier_id || '-S' || lpad(step_seq::varchar, 2, '0') as event_id, dossier_id,
        'district_one_stop' as source_system, status_code, description, actor_role, occurred_at
    from {{ ref('stg_district_one_stop__processing_steps') }}
),

ward_events as (
    select event_id, dossier_id, 'ward_one_stop' as source_system, status_code, description, actor_role,
        occurred_at
    from {{ ref('stg_ward_one_stop__dossier_events') }}
)

select * from district_steps
union all
select * from ward_events
