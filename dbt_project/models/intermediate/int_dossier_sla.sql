/*
  The on-time rule — its one home (report form II.06a; Decision 766/QĐ-TTg, formula 2.1).
  A dossier ends at its first completion state: processed (9), returned (10), withdrawn (7) or
  stopped (8); finished_at is that time. Dates are compared, not times:
    early    finished date <  due date
    on_time  finished date =  due date, or no due date
    late     finished date >  due date, or more than one supplement request (766)
  Open dossiers are judged at the as-of date: within deadline while due date >= as-of date.
  The due date already includes the citizen's supplement time (the source extends it).
*/
with

dossiers as (
    select * from {{ ref('int_dossiers_unified') }}
),

supplements as (
    select * from {{ ref('int_dossier_supplements') }}
),

apologies as (
    select dossier_id, count(*) as apology_count from {{ ref('int_dossier_apologies') }} group by dossier_id
),

judged as (
    select
        d.*,
        coalesce(s.supplement_request_count, 0) as supplement_request_count,
        coalesce(s.supplement_wait_working_days, 0) as supplement_wait_working_days,
        coalesce(a.apology_count, 0) as apology_count,
        d.received_at::date as received_date,
        d.due_at::date as due_date,
        d.finished_at::date as finished_date,
        case
            when d.finished_at is null then null
            when coalesce(s.supplement_request_count, 0) > 1 then 'late'
            when d.due_at is null or d.finished_at::date = d.due_at::date then 'on_time'
            when d.finished_at::date < d.due_at::date then 'early'
            else 'late'
        end as finished_timeliness
    from dossiers as d
    left join supplements as s on d.dossier_id = s.dossier_id
    left join apologies as a on d.dossier_id = a.dossier_id
)

select
    *,
    coalesce(
        finished_timeliness,
        case when due_date is null or due_date >= '{{ var("as_of_date") }}'::date then 'open_within_deadline'
             else 'open_overdue' end
    ) as on_time_status,
    case
        when status_code in (1, 3) then 'not_received'
        when status_code = 7 then 'withdrawn'
        when status_code = 8 then 'stopped'
        when status_code in (9, 10) then 'resolved'
        else 'in_progress'
    end as outcome
from judged
