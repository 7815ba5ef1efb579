-- Supplement requests of both systems, and the working days each dossier waited for the citizen.
with

requests as (
    select dossier_id, requested_at, resumed_at from {{ ref('stg_district_one_stop__supplement_requests') }}
    union all
    select dossier_id, requested_at, resumed_at from {{ ref('stg_ward_one_stop__supplement_requests') }}
),

calendar as (
    select calendar_date, working_day_ordinal from {{ ref('dim_date') }}
),

waits as (
    select
        r.dossier_id,
        -- working days between request and the citizen's return: the citizen's time, not the agency's
        coalesce(back.working_day_ordinal - asked.working_day_ordinal, 0) as wait_working_days,
        r.resumed_at is null as still_waiting
    from requests as r
    left join calendar as asked on asked.calendar_date = r.requested_at::date
    left join calendar as back on back.calendar_date = r.resumed_at::date
)

select
    dossier_id,
    count(*) as supplement_request_count,
    sum(wait_working_days) as supplement_wait_working_days,
    bool_or(still_waiting) as awaiting_supplement
from waits
group by dossier_id
