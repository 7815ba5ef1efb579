/*
  The figures index scoring divides, per unit, handling level and period (year, quarter, month), in long
  form (measure, value) so a rubric names its numerator and denominator as data (seed score_rubric).
  A unit is measured on the dossiers its own one-stop unit handled (unit_code + handling_level).
  "Handled", "resolved", "late" are the II.06a figures of rpt_dossier_period (the period rules live in
  macro ii06a_counts); what II.06a does not count is added from fct_dossier by receipt, finish or rating
  date in the period, the same dates the report uses. Every measure exists for every unit-period the
  report has (0 when nothing qualified): a missing measure means the warehouse lacks the data.
*/
{{ config(database='work', schema='intermediate') }}
with

reports as (
    select * from {{ ref('rpt_dossier_period') }} where period_type in ('year', 'quarter', 'month')
),

procedure_reports as (
    select * from {{ ref('rpt_procedure_period') }} where period_type in ('year', 'quarter', 'month')
),

periods as (
    select period_type, period_start, period_end, date_trunc('month', period_end)::date as last_month
    from {{ ref('int_report_periods') }} where period_type in ('year', 'quarter', 'month')
),

period_ends as (
    select distinct period_end from periods
),

procedures as (
    select procedure_code, online_level, has_fee, level from {{ ref('dim_procedure') }}
),

-- int_dossier_sla, not fct_dossier: the 766 reading of open dossiers needs the supplement columns; not
-- materialized, so each of its three uses reads only the columns it needs
dossiers as not materialized (
    select d.*, coalesce(p.has_fee, false) as has_fee,
           coalesce(p.level = d.handling_level, false) as procedure_of_the_level,
           date_trunc('month', d.received_date)::date as received_month,
           date_trunc('month', d.finished_date)::date as finished_month,
           date_trunc('month', d.rated_at::date)::date as rated_month
    from {{ ref('int_dossier_sla') }} as d
    left join procedures as p on d.procedure_code = p.procedure_code
    where d.received_at is not null
),

-- dossiers of procedures offered as full-online service (toàn trình), by the catalogue
full_online as (
    select r.unit_code, r.handling_level, r.period_type, r.period_start, r.period_end,
        sum(r.received_new) as full_online_procedure_received,
        sum(r.received_online) as full_online_procedure_received_online
    from procedure_reports as r
    inner join procedures as p on r.procedure_code = p.procedure_code
    where p.online_level = 'full'
    group by all
),

/*
  Months first, as in macro ii06a_counts: every period starts on the first day of a month and ends on
  the last day of one, so whether a dossier was received, finished or rated in a period, or handled there
  (received by its end, not finished before its start), depends only on its received, finished and rated
  months. Dossiers are counted once per (unit, level, those months, the flags judged) and each period adds
  up the cells it covers: the same counts as joining every dossier to every period it touches, over far
  fewer rows. Only the 766 reading of a dossier still open at a period end depends on that exact day: those
  are judged once per month end they are open at (open_cells).
*/
flow_cells as (
    select
        unit_code, handling_level, received_month, finished_month, rated_month,
        finished_timeliness_766 = 'late' as finished_late_766,  -- null: not judged, counted as neither
        rating_level = 4 as rated_dissatisfied,
        count(*) as dossiers,
        count(*) filter (where has_digitised_inputs) as with_reused_digitised_data,
        count(*) filter (where has_digitised_inputs and result_digitised) as with_digitised_components_and_result,
        count(*) filter (where finished_timeliness = 'late' and apology_count > 0) as late_with_apology,
        count(*) filter (where has_fee) as fee_dossiers,
        count(*) filter (where has_fee and paid_online) as fee_dossiers_paid_online,
        sum(fee_amount) filter (where has_fee) as fee_amount_due,
        sum(fee_paid_online_amount) filter (where has_fee) as fee_amount_paid_online
    from dossiers
    group by all
),

-- which procedures of the level's catalogue had a fee paid online, per received month (a distinct count)
paid_online_procedures as (
    select distinct unit_code, handling_level, received_month, finished_month, rated_month, procedure_code
    from dossiers
    where has_fee and paid_online and procedure_of_the_level
),

-- open at a month end (received by then, not finished by then) and judged at that very day
open_cells as (
    select
        d.unit_code, d.handling_level, e.period_end, d.rated_month,
        {{ open_overdue_at('e.period_end', rule='766') }} as overdue_766,
        d.rating_level = 4 as rated_dissatisfied,
        count(*) as dossiers
    from dossiers as d
    inner join period_ends as e
        on d.received_date <= e.period_end
        and (d.finished_date is null or d.finished_date > e.period_end)
    group by all
),

-- what each period takes from each cell: a dossier counts there when received by the period end and
-- not finished and not rated before its start (the dossiers a period touches)
flow_in_periods as (
    select c.*, p.period_type, p.period_start, p.period_end, p.last_month,
        c.finished_month is null or c.finished_month >= p.period_start as handled,
        c.received_month >= p.period_start as received_in_period,
        c.finished_month between p.period_start and p.last_month as finished_in_period,
        c.rated_month between p.period_start and p.last_month and c.rated_dissatisfied as dissatisfied_in_period
    from flow_cells as c
    inner join periods as p
        on c.received_month <= p.last_month
        and (c.finished_month is null or c.finished_month >= p.period_start or c.rated_month >= p.period_start)
),

dossier_figures as (
    select unit_code, handling_level, period_type, period_start, period_end,
        sum(with_reused_digitised_data) filter (where received_in_period) as received_with_reused_digitised_data,
        sum(with_digitised_components_and_result) filter (where finished_in_period)
            as resolved_with_digitised_components_and_result,
        sum(late_with_apology) filter (where finished_in_period) as resolved_late_with_apology,
        sum(fee_dossiers) filter (where received_in_period) as fee_dossiers_received,
        sum(fee_dossiers_paid_online) filter (where received_in_period) as fee_dossiers_paid_online,
        -- Decision 766 online payment, component C (formula 3.5): money paid online / fees and charges due
        sum(fee_amount_due) filter (where received_in_period) as fee_amount_due,
        sum(fee_amount_paid_online) filter (where received_in_period) as fee_amount_paid_online,
        sum(dossiers) filter (where dissatisfied_in_period) as ratings_dissatisfied
    from flow_in_periods
    group by all
),

fee_procedures as (
    select c.unit_code, c.handling_level, p.period_type, p.period_start, p.period_end,
        count(distinct c.procedure_code) as fee_procedures_paid_online  -- of the level's catalogue, like the denominator
    from paid_online_procedures as c
    inner join periods as p
        on c.received_month between p.period_start and p.last_month
        and (c.finished_month is null or c.finished_month >= p.period_start or c.rated_month >= p.period_start)
    group by all
),

-- each dossier once per period: handled there, and judged by Decision 766 formula 2.1 (finished by the
-- period end: its finished_timeliness_766; open at the period end: overdue at that day)
satisfaction_contributions as (
    select unit_code, handling_level, period_type, period_start, period_end,
        case when handled and not finished_late_766 then dossiers end as handled_on_time_766,
        case when (handled and finished_late_766) or dissatisfied_in_period then dossiers end
            as handled_late_or_dissatisfied_766
    from flow_in_periods
    where finished_month <= last_month
    union all
    select c.unit_code, c.handling_level, p.period_type, p.period_start, p.period_end,
        case when not c.overdue_766 then c.dossiers end,
        case when c.overdue_766 or (c.rated_dissatisfied and c.rated_month between p.period_start and p.last_month)
             then c.dossiers end
    from open_cells as c
    inner join periods as p on c.period_end = p.period_end
),

satisfaction_figures as (
    select unit_code, handling_level, period_type, period_start, period_end,
        sum(handled_on_time_766) as handled_on_time_766,
        sum(handled_late_or_dissatisfied_766) as handled_late_or_dissatisfied_766
    from satisfaction_contributions
    group by all
),

fee_catalogue as (
    select level as handling_level, count(*) as fee_procedures_in_catalogue
    from procedures where has_fee group by all
),

wide as (
    select
        r.unit_code, r.parent_unit_code, r.handling_level, r.period_type, r.period_start, r.period_end,
        -- II.06a (rpt_dossier_period)
        r.carried_over + r.received_new as dossiers_handled,
        r.resolved_early + r.resolved_on_time + r.in_progress_within_deadline as handled_early_on_time_or_within,
        r.resolved_late + r.in_progress_overdue as dossiers_late_or_overdue,
        r.received_new as dossiers_received,
        r.received_online as dossiers_received_online,
        r.resolved_total as dossiers_resolved,
        r.resolved_late as dossiers_resolved_late,
        r.results_digitised as resolved_with_digital_result,
        r.ratings_total,
        r.ratings_satisfied,
        r.apologies_issued,
        -- per procedure (rpt_procedure_period × dim_procedure)
        coalesce(o.full_online_procedure_received, 0) as full_online_procedure_received,
        coalesce(o.full_online_procedure_received_online, 0) as full_online_procedure_received_online,
        -- per dossier (fct_dossier)
        coalesce(f.received_with_reused_digitised_data, 0) as received_with_reused_digitised_data,
        coalesce(f.resolved_with_digitised_components_and_result, 0) as resolved_with_digitised_components_and_result,
        coalesce(f.resolved_late_with_apology, 0) as resolved_late_with_apology,
        coalesce(f.fee_dossiers_received, 0) as fee_dossiers_received,
        coalesce(f.fee_dossiers_paid_online, 0) as fee_dossiers_paid_online,
        coalesce(q.fee_procedures_paid_online, 0) as fee_procedures_paid_online,
        coalesce(f.fee_amount_due, 0) as fee_amount_due,
        coalesce(f.fee_amount_paid_online, 0) as fee_amount_paid_online,
        coalesce(c.fee_procedures_in_catalogue, 0) as fee_procedures_in_catalogue,
        coalesce(f.ratings_dissatisfied, 0) as ratings_dissatisfied,
        -- Decision 766 formula 2.1 (times compared; open supplement requests end the agency's part)
        coalesce(j.handled_on_time_766, 0) as handled_on_time_766,
        -- Decision 766 satisfaction: 100 % − (overdue share + complaint share), as a count; a dossier both
        -- late and rated dissatisfied is subtracted once
        greatest(r.carried_over + r.received_new - coalesce(j.handled_late_or_dissatisfied_766, 0), 0)
            as dossiers_handled_without_delay_or_dissatisfaction
    from reports as r
    left join full_online as o using (unit_code, handling_level, period_type, period_start, period_end)
    left join dossier_figures as f using (unit_code, handling_level, period_type, period_start, period_end)
    left join fee_procedures as q using (unit_code, handling_level, period_type, period_start, period_end)
    left join satisfaction_figures as j using (unit_code, handling_level, period_type, period_start, period_end)
    left join fee_catalogue as c using (handling_level)
),

long as (
    unpivot wide
    on columns(* exclude (unit_code, parent_unit_code, handling_level, period_type, period_start, period_end))
    into name measure value value
)

select unit_code, parent_unit_code, handling_level, period_type, period_start, period_end, measure,
       value::bigint as value
from long
