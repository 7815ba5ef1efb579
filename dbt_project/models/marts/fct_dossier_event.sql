-- Processing steps (district) and status events (ward) of the kept dossier versions, one row each.
-- Incremental: every event of the dossiers whose record or trail was extracted after the newest row this
-- table holds is re-written (delete+insert by dossier_sk, so a replaced trail loses its old steps).
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': 'source_extracted_at'}) }}
with

dossiers as (
    {{ landed_dossiers(changed_in=[ref('stg_district_one_stop__processing_steps'),
                                   ref('stg_ward_one_stop__dossier_events')], held='source_extracted_at') }}
),

district_steps as (
    select
        dossier_id || '-S' || lpad(step_seq::varchar, 2, '0') as event_id, dossier_sk, dossier_id,
        'district_one_stop' as source_system, status_code, description, actor_role, occurred_at,
        _extracted_at as source_extracted_at
    from {{ ref('stg_district_one_stop__processing_steps') }}
    {%- if is_incremental() %} where dossier_sk in (select dossier_sk from dossiers){% endif %}
),

-- Events come from their own endpoint: an event can land before its dossier's current version does
-- (a backfilled window; a dossier updated after the window). It waits in staging until the dossier
-- lands, so the fact never points at an unknown dossier.
ward_events as (
    select e.event_id, e.dossier_sk, e.dossier_id, 'ward_one_stop' as source_system, e.status_code, e.description,
        e.actor_role, e.occurred_at, greatest(e._extracted_at, d._extracted_at) as source_extracted_at
    from {{ ref('stg_ward_one_stop__dossier_events') }} as e
    inner join dossiers as d on e.dossier_sk = d.dossier_sk
)

select * from district_steps
union all
select * from ward_events
