/*
  Supplement requests of both systems, per dossier: how many, the first request and the citizen's
  return, the second request's time, and the working days the dossier waited for the citizen
  (request day → return day on dim_date's working-day ordinal; the citizen's time, not the agency's).
  int_dossier_sla extends the statutory due date by these waits (Decision 766 formula 2.1).
*/
-- A view: read once, by int_dossier_sla (the table of the chain).
{{ config(materialized='view') }}
with

requests as (
    select dossier_id, requested_at, resumed_at, _extracted_at
    from {{ ref('stg_district_one_stop__supplement_requests') }}
    union all
    select dossier_id, requested_at, resumed_at, _extracted_at
    from {{ ref('stg_ward_one_stop__supplement_requests') }}
),

calendar as (
    select calendar_date, working_day_ordinal from {{ ref('dim_date') }}
),

waits as (
    select
        r.dossier_id,
        r.requested_at,
        r.resumed_at,
        r._extracted_at,
        row_number() over (partition by r.dossier_id order by r.requested_at, r.resumed_at) as request_seq,
        coalesce(back.working_day_ordinal - asked.working_day_ordinal, 0) as wait_working_days
    from requests as r
    left join calendar as asked on asked.calendar_date = r.requested_at::date
    left join calendar as back on back.calendar_date = r.resumed_at::date
),

per_dossier as (
    select
        dossier_id,
        count(*) as supplement_request_count,
        sum(wait_working_days) as supplement_wait_working_days,
        bool_or(resumed_at is null) as awaiting_supplement,
        min(requested_at) filter (where request_seq = 1) as first_supplement_requested_at,
        min(resumed_at) filter (where request_seq = 1) as first_supplement_resumed_at,
        min(wait_working_days) filter (where request_seq = 1) as first_supplement_wait_working_days,
        min(requested_at) filter (where request_seq = 2) as second_supplement_requested_at,
        max(_extracted_at) as _extracted_at
    from waits
    group by dossier_id
)

select * from per_dossier
