/*
  The figures index scoring divides, per unit, handling level and period (year, quarter, month), in long
  form (measure, value) so a rubric names its numerator and denominator as data (seed score_rubric).
  A unit is measured on the dossiers its own one-stop unit handled (unit_code + handling_level).
  "Handled", "resolved", "late" are the II.06a figures of rpt_dossier_period (the period rules live in
  macro ii06a_report); what II.06a does not count is added from fct_dossier by receipt, finish or rating
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
    select * from {{ ref('int_report_periods') }} where period_type in ('year', 'quarter', 'month')
),

procedures as (
    select procedure_code, online_level, has_fee, level from {{ ref('dim_procedure') }}
),

-- int_dossier_sla, not fct_dossier: the 766 reading of open dossiers needs the supplement columns
dossiers as (
    select d.*, d.rated_at::date as rated_date, coalesce(p.has_fee, false) as has_fee,
           coalesce(p.level = d.handling_level, false) as procedure_of_the_level
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

-- each dossier once per period: handled there, and judged by Decision 766 formula 2.1 (on_time_status_766)
judged_766 as (
    select d.*, p.period_type, p.period_start, p.period_end,
        d.received_date <= p.period_end and (d.finished_date is null or d.finished_date >= p.period_start)
            as handled,
        case when d.finished_date <= p.period_end then d.finished_timeliness_766 = 'late'
             else {{ open_overdue_at('p.period_end', rule='766') }} end as late_766,
        d.rated_date between p.period_start and p.period_end and d.rating_level = 4 as rated_dissatisfied
    from dossiers as d
    inner join periods as p
        on d.received_date <= p.period_end
        and (d.finished_date is null or d.finished_date >= p.period_start or d.rated_date >= p.period_start)
),

satisfaction_figures as (
    select unit_code, handling_level, period_type, period_start, period_end,
        count(*) filter (where handled and not late_766) as handled_on_time_766,
        count(*) filter (where (handled and late_766) or rated_dissatisfied) as handled_late_or_dissatisfied_766
    from judged_766
    group by all
),

dossier_figures as (
    select d.unit_code, d.handling_level, p.period_type, p.period_start, p.period_end,
        count(*) filter (where d.received_date >= p.period_start and d.has_digitised_inputs)
            as received_with_reused_digitised_data,
        count(*) filter (where d.finished_date between p.period_start and p.period_end
                         and d.has_digitised_inputs and d.result_digitised)
            as resolved_with_digitised_components_and_result,
        count(*) filter (where d.finished_date between p.period_start and p.period_end
                         and d.finished_timeliness = 'late' and d.apology_count > 0) as resolved_late_with_apology,
        count(*) filter (where d.received_date >= p.period_start and d.has_fee) as fee_dossiers_received,
        count(*) filter (where d.received_date >= p.period_start and d.has_fee and d.paid_online)
            as fee_dossiers_paid_online,
        -- Decision 766 online payment, component C (formula 3.5): money paid online / fees and charges due
        coalesce(sum(d.fee_amount) filter (where d.received_date >= p.period_start and d.has_fee), 0)
            as fee_amount_due,
        coalesce(sum(d.fee_paid_online_amount) filter (where d.received_date >= p.period_start and d.has_fee), 0)
            as fee_amount_paid_online,
        count(distinct d.procedure_code) filter (where d.received_date >= p.period_start and d.has_fee
                                                 and d.paid_online and d.procedure_of_the_level)
            as fee_procedures_paid_online,  -- of the level's catalogue, like the denominator
        count(*) filter (where d.rated_date between p.period_start and p.period_end and d.rating_level = 4)
            as ratings_dissatisfied
    from dossiers as d
    inner join periods as p
        on d.received_date <= p.period_end
        and (d.finished_date is null or d.finished_date >= p.period_start or d.rated_date >= p.period_start)
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
        coalesce(f.fee_procedures_paid_online, 0) as fee_procedures_paid_online,
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
