/*
  First completion state of each dossier from its processing trail (district QuaTrinhXuLy steps,
  ward status events): processed 9, returned 10, stopped/refused 8, withdrawn 7. Decision 766
  formula 2.1 ends a dossier at the first of these states; int_dossier_sla uses it when the source
  leaves the end-of-processing time empty.
*/
with

district_steps as (
    select dossier_id, status_code, occurred_at from {{ ref('stg_district_one_stop__processing_steps') }}
),

ward_events as (
    select dossier_id, status_code, occurred_at from {{ ref('stg_ward_one_stop__dossier_events') }}
),

trail as (
    select * from district_steps
    union all
    select * from ward_events
),

completions as (
    select dossier_id, min(occurred_at) as first_completion_at
    from trail
    where status_code in (7, 8, 9, 10) and occurred_at is not null
    group by dossier_id
)

select * from completions
