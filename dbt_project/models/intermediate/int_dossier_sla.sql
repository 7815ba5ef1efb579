/*
  The on-time rule — its one home (report form II.06a, Circular 01/2018/TT-VPCP; Decision 766/QĐ-TTg
  formula 2.1). docs/on-time.md gives each clause and where the two readings differ.

  End: the source's end-of-processing time, else the first completion state of the processing trail
  (processed 9, returned 10, stopped/refused 8, withdrawn 7; int_dossier_completions), else the
  return time of a dossier whose status is a completion state.

  Deadline: the rules' deadline, not whatever the source wrote last — the procedure's statutory
  duration in working days counted from the effective receipt day (received after 17:00 or on a
  non-working day → the next working day), extended only by the citizen's supplement waits. An apology
  letter's new date is a promise, not an extension. Where the catalogue lacks the duration, the
  source's due date is used. The source's due date is kept beside it (due_date_source) and their
  disagreements are counted by a warn check.

  Finished dossiers:
    II.06a (finished_timeliness, dates)  early end date < due date; on_time = due date or no due date;
                                         late > due date
    766 (finished_timeliness_766, time)  on_time end ≤ 17:00 of the due date (or no due date); late after
    both: more than one supplement request is late (766 formula 2.1).
  Open dossiers are judged at the as-of date by macro open_overdue_at (waiting for a supplement
  requested on or before the due date is within deadline).
  Incremental: the dossiers whose record, trail, supplements, letters or rating were extracted after the
  newest row held, and the still-open dossiers whose status at the as-of date differs from the one held
  (the only columns that depend on that date), are re-written; a full refresh gives the same rows. A change of the calendar (dim_date) or of a procedure's duration
  re-times dossiers whose records did not change: run --full-refresh after one.
*/
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'}) }}
{%- set as_of = "'" ~ as_of_date() ~ "'::date" %}
-- depends_on (read by incremental runs only): {{ ref('stg_ward_one_stop__ratings') }},
-- {{ ref('stg_district_one_stop__dossiers') }}, {{ ref('stg_ward_one_stop__dossiers') }},
-- {{ ref('stg_district_one_stop__units') }}, {{ ref('stg_ward_one_stop__units') }},
-- {{ ref('stg_district_one_stop__supplement_requests') }}, {{ ref('stg_ward_one_stop__supplement_requests') }}
with

{%- if is_incremental() %}
changed as (
    {{ landed_dossiers(changed_in=[ref('int_dossier_completions'), ref('int_dossier_supplements'),
                                   ref('int_dossier_apologies'), ref('stg_ward_one_stop__ratings')]) }}
    union all
    -- still open, and judged otherwise at this as-of date than in the row held (a due date passed since):
    -- on_time_status and on_time_status_766 are the only columns that depend on the as-of date
    select dossier_sk, dossier_id, _extracted_at from {{ this }}
    where finished_at is null
        and (on_time_status is distinct from {{ open_status_at(as_of) }}
             or on_time_status_766 is distinct from {{ open_status_at(as_of, rule='766') }})
),
{%- endif %}

-- incremental: the views' SQL for the changed dossiers only (macros/dossier_inputs.sql: the filter then
-- reaches the staging scans)
dossiers as (
    {%- if is_incremental() %}
    {{ unified_dossiers(only='select dossier_sk from changed') }}
    {%- else %}
    select * from {{ ref('int_dossiers_unified') }}
    {%- endif %}
),

procedures as (
    select procedure_code, duration_working_days from {{ ref('int_procedures') }}
),

completions as (
    select * from {{ ref('int_dossier_completions') }}
    {%- if is_incremental() %} where dossier_sk in (select dossier_sk from changed){% endif %}
),

supplements as (
    {%- if is_incremental() %}
    {{ dossier_supplements(only='select dossier_sk from changed') }}
    {%- else %}
    select * from {{ ref('int_dossier_supplements') }}
    {%- endif %}
),

apologies as (
    select dossier_sk, count(*) as apology_count, max(_extracted_at) as _extracted_at
    from {{ ref('int_dossier_apologies') }}
    {%- if is_incremental() %} where dossier_sk in (select dossier_sk from changed){% endif %}
    group by dossier_sk
),

calendar as (
    select calendar_date, is_working_day, working_day_ordinal from {{ ref('dim_date') }}
),

working_days as (
    select working_day_ordinal, calendar_date from calendar where is_working_day
),

ended as (
    select
        d.* replace (greatest(d._extracted_at, c._extracted_at, s._extracted_at, a._extracted_at) as _extracted_at)
            rename (finished_at as finished_at_source, due_at as due_at_source),
        coalesce(d.finished_at, c.first_completion_at,
                 case when d.status_code in (7, 8, 9, 10) then d.returned_at end) as finished_at,
        d.finished_at is null and c.first_completion_at is not null as end_from_trail,
        p.duration_working_days,
        coalesce(s.supplement_request_count, 0) as supplement_request_count,
        coalesce(s.supplement_wait_working_days, 0) as supplement_wait_working_days,
        coalesce(s.awaiting_supplement, false) as awaiting_supplement,
        s.first_supplement_requested_at,
        s.first_supplement_resumed_at,
        s.first_supplement_wait_working_days,
        s.second_supplement_requested_at,
        coalesce(a.apology_count, 0) as apology_count
    from dossiers as d
    left join completions as c on d.dossier_sk = c.dossier_sk
    left join procedures as p on d.procedure_code = p.procedure_code
    left join supplements as s on d.dossier_sk = s.dossier_sk
    left join apologies as a on d.dossier_sk = a.dossier_sk
),

-- working-day ordinals: effective receipt day + statutory duration (+ waits)
ordinals as (
    select
        e.*,
        r.working_day_ordinal
            + case when r.is_working_day and hour(e.received_at) < 17 then 0 else 1 end
            + e.duration_working_days as base_due_ordinal,
        -- a request still open when the dossier ended: the wait lasted until the end (766 formula 2.1)
        case when e.supplement_request_count = 1 and e.first_supplement_resumed_at is null
                  and e.finished_at is not null
             then fin.working_day_ordinal - req.working_day_ordinal else 0 end as open_wait_working_days
    from ended as e
    left join calendar as r on r.calendar_date = e.received_at::date
    left join calendar as fin on fin.calendar_date = e.finished_at::date
    left join calendar as req on req.calendar_date = e.first_supplement_requested_at::date
),

deadlines as (
    select
        o.*,
        o.received_at::date as received_date,
        o.finished_at::date as finished_date,
        o.due_at_source::date as due_date_source,
        coalesce(base.calendar_date, o.due_at_source::date) as base_due_date,
        coalesce(first_wait.calendar_date, o.due_at_source::date) as due_date_after_first_supplement,
        coalesce(judged.calendar_date, o.due_at_source::date) as due_date,
        base.calendar_date is not null as due_date_is_statutory
    from ordinals as o
    left join working_days as base on base.working_day_ordinal = o.base_due_ordinal
    left join working_days as first_wait
        on first_wait.working_day_ordinal = o.base_due_ordinal + coalesce(o.first_supplement_wait_working_days, 0)
    left join working_days as judged
        on judged.working_day_ordinal
            = o.base_due_ordinal + o.supplement_wait_working_days + o.open_wait_working_days
),

judged as (
    select
        *,
        due_date + interval 17 hour as due_at,
        coalesce(due_date_is_statutory and due_date_source is not null and due_date_source <> due_date, false)
            as due_date_disagrees,
        case
            when finished_at is null then null
            when supplement_request_count > 1 then 'late'
            when due_date is null or finished_date = due_date then 'on_time'
            when finished_date < due_date then 'early'
            else 'late'
        end as finished_timeliness,
        case
            when finished_at is null then null
            when supplement_request_count > 1 then 'late'
            when due_date is null or finished_at <= due_date + interval 17 hour then 'on_time'
            else 'late'
        end as finished_timeliness_766
    from deadlines
),

final as (
    select
        *,
        coalesce(finished_timeliness, {{ open_status_at(as_of) }}) as on_time_status,
        coalesce(finished_timeliness_766, {{ open_status_at(as_of, rule='766') }}) as on_time_status_766,
        case
            when status_code in (1, 3) then 'not_received'
            when status_code = 7 then 'withdrawn'
            when status_code = 8 then 'stopped'
            when status_code in (9, 10) then 'resolved'
            else 'in_progress'
        end as outcome
    from judged
)

select * from final
