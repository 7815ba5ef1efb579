{#
  Report form II.06a figures by a grain (unit, handling level, period, and optionally a procedure).
  The one home of the II.06a column definitions: rpt_procedure_period counts them from the dossiers
  (ii06a_report), rpt_dossier_period adds the procedures up (ii06a_sum_procedures).

  Why in two steps, months first: every standard period (int_report_periods) starts on the first day
  of a month and ends on the last day of one, so whether a dossier is carried over, newly received or
  resolved in a period depends only on its received month and finished month. The dossiers are
  counted once per (grain, received month, finished month) ("flow" cells), and each period adds up
  the cells it covers: exact, and far fewer rows than a dossier × period join for every period type.
  What depends on the exact day is counted at the exact day: open at a period end (within deadline or
  overdue, macro open_overdue_at) once per distinct period end a dossier is open at; ratings and
  apology letters per calendar month they fall in.
#}

{#- null-safe: a unit without a known parent (parent_unit_code null) must still join its own figures -#}
{% macro _same_grain(left, right, columns) -%}
{%- for column in columns -%}
{{ left }}.{{ column }} is not distinct from {{ right }}.{{ column }}{{ ' and ' if not loop.last }}
{%- endfor -%}
{%- endmacro %}

{#- the II.06a measure columns, in report order, from summed counts s.* -#}
{% macro _ii06a_columns(s) -%}
        coalesce({{ s }}.carried_over, 0)::bigint as carried_over,
        coalesce({{ s }}.received_new, 0)::bigint as received_new,
        (coalesce({{ s }}.carried_over, 0) + coalesce({{ s }}.received_new, 0))::bigint as received_total,
        coalesce({{ s }}.received_online, 0)::bigint as received_online,
        coalesce({{ s }}.received_direct, 0)::bigint as received_direct,
        coalesce({{ s }}.received_postal, 0)::bigint as received_postal,
        coalesce({{ s }}.resolved_total, 0)::bigint as resolved_total,
        coalesce({{ s }}.resolved_early, 0)::bigint as resolved_early,
        coalesce({{ s }}.resolved_on_time, 0)::bigint as resolved_on_time,
        coalesce({{ s }}.resolved_late, 0)::bigint as resolved_late,
        coalesce({{ s }}.in_progress_total, 0)::bigint as in_progress_total,
        coalesce({{ s }}.in_progress_within_deadline, 0)::bigint as in_progress_within_deadline,
        coalesce({{ s }}.in_progress_overdue, 0)::bigint as in_progress_overdue,
        (coalesce({{ s }}.resolved_early, 0) + coalesce({{ s }}.resolved_on_time, 0))::bigint
            / nullif(coalesce({{ s }}.resolved_total, 0), 0) as on_time_rate,
        coalesce({{ s }}.received_online, 0)::bigint / nullif(coalesce({{ s }}.received_new, 0), 0) as online_rate,
        coalesce({{ s }}.postal_return_requested, 0)::bigint as postal_return_requested,
        coalesce({{ s }}.postal_returned, 0)::bigint as postal_returned,
        coalesce({{ s }}.results_returned_online, 0)::bigint as results_returned_online,
        coalesce({{ s }}.apologies_issued, 0)::bigint as apologies_issued,
        coalesce({{ s }}.ratings_total, 0)::bigint as ratings_total,
        coalesce({{ s }}.ratings_satisfied, 0)::bigint as ratings_satisfied,
        coalesce({{ s }}.results_digitised, 0)::bigint as results_digitised
{%- endmacro %}

{#- the additive counts behind those columns -#}
{% macro _ii06a_counts() -%}
{{ return(['carried_over', 'received_new', 'received_online', 'received_direct', 'received_postal',
    'resolved_total', 'resolved_early', 'resolved_on_time', 'resolved_late', 'in_progress_total',
    'in_progress_within_deadline', 'in_progress_overdue', 'postal_return_requested', 'postal_returned',
    'results_returned_online', 'apologies_issued', 'ratings_total', 'ratings_satisfied', 'results_digitised']) }}
{%- endmacro %}

{% macro ii06a_report(extra_grain=[]) -%}
{%- set base = ['unit_code', 'parent_unit_code', 'handling_level'] + extra_grain -%}
{%- set base_list = base | join(', ') -%}
{%- set grain = (base + ['period_type', 'period_start', 'period_end']) | join(', ') -%}
{%- set cell_grain = [] -%}{%- for column in base -%}{%- do cell_grain.append('c.' ~ column) -%}{%- endfor -%}
{%- set cell_grain = (cell_grain + ['p.period_type', 'p.period_start', 'p.period_end']) | join(', ') -%}
with

-- a filtered scan, used four times: not materialized, so each use reads only the columns it needs
dossiers as not materialized (
    select * from {{ ref('int_dossier_sla') }} where received_at is not null
),

periods as (
    select period_type, period_start, period_end, date_trunc('month', period_end)::date as last_month
    from {{ ref('int_report_periods') }}
),

period_ends as (
    select distinct period_end from periods
),

apologies as (
    select * from {{ ref('int_dossier_apologies') }}
),

-- counted once per (grain, received month, finished month); finished_month null = not finished
flow_cells as (
    select
        {{ base_list }},
        date_trunc('month', received_date)::date as received_month,
        date_trunc('month', finished_date)::date as finished_month,
        count(*) as dossiers,
        count(*) filter (where channel = 'online') as online,
        count(*) filter (where coalesce(channel, 'direct') = 'direct') as direct,
        count(*) filter (where channel = 'postal') as postal,
        count(*) filter (where finished_timeliness = 'early') as early,
        count(*) filter (where finished_timeliness = 'on_time') as on_time,
        count(*) filter (where finished_timeliness = 'late') as late,
        count(*) filter (where postal_return_requested) as postal_return_requested,
        count(*) filter (where postal_returned) as postal_returned,
        count(*) filter (where result_returned_online) as results_returned_online,
        count(*) filter (where result_digitised) as results_digitised
    from dossiers
    group by all
),

-- open at a period end: received by then, not finished by then; judged at that very day
open_cells as (
    select
        {{ base_list }}, e.period_end,
        count(*) filter (where not {{ open_overdue_at('e.period_end') }}) as within_deadline,
        count(*) filter (where {{ open_overdue_at('e.period_end') }}) as overdue
    from dossiers as d
    inner join period_ends as e
        on d.received_date <= e.period_end
        and (d.finished_date is null or d.finished_date > e.period_end)
    group by all
),

rating_cells as (
    select
        {{ base_list }}, date_trunc('month', rated_at)::date as rated_month,
        count(*) as ratings_total,
        count(*) filter (where rating_level in (1, 2)) as ratings_satisfied
    from dossiers
    where rated_at is not null
    group by all
),

apology_cells as (
    select
        {% for column in base %}d.{{ column }}, {% endfor %}date_trunc('month', a.issued_at)::date as issued_month,
        count(*) as apologies_issued
    from apologies as a
    inner join dossiers as d on a.dossier_id = d.dossier_id
    where a.issued_at is not null
    group by all
),

-- what each period takes from each cell; a period that takes nothing from a grain has no row there
contributions as (
    select
        {{ cell_grain }},
        case when c.received_month < p.period_start then c.dossiers end as carried_over,
        case when c.received_month >= p.period_start then c.dossiers end as received_new,
        case when c.received_month >= p.period_start then c.online end as received_online,
        case when c.received_month >= p.period_start then c.direct end as received_direct,
        case when c.received_month >= p.period_start then c.postal end as received_postal,
        case when c.finished_month <= p.last_month then c.dossiers end as resolved_total,
        case when c.finished_month <= p.last_month then c.early end as resolved_early,
        case when c.finished_month <= p.last_month then c.on_time end as resolved_on_time,
        case when c.finished_month <= p.last_month then c.late end as resolved_late,
        case when c.finished_month is null or c.finished_month > p.last_month then c.dossiers end
            as in_progress_total,
        case when c.finished_month <= p.last_month then c.postal_return_requested end as postal_return_requested,
        case when c.finished_month <= p.last_month then c.postal_returned end as postal_returned,
        case when c.finished_month <= p.last_month then c.results_returned_online end as results_returned_online,
        case when c.finished_month <= p.last_month then c.results_digitised end as results_digitised
    from flow_cells as c
    inner join periods as p
        on c.received_month <= p.last_month
        and (c.finished_month is null or c.finished_month >= p.period_start)
    union all by name
    select {{ cell_grain }}, c.within_deadline as in_progress_within_deadline, c.overdue as in_progress_overdue
    from open_cells as c
    inner join periods as p on c.period_end = p.period_end
    union all by name
    select {{ cell_grain }}, c.ratings_total, c.ratings_satisfied
    from rating_cells as c
    inner join periods as p on c.rated_month between p.period_start and p.last_month
    union all by name
    select {{ cell_grain }}, c.apologies_issued
    from apology_cells as c
    inner join periods as p on c.issued_month between p.period_start and p.last_month
),

{{ _ii06a_summed(grain, 'contributions') }}
{%- endmacro %}

{#- rpt_dossier_period: the procedure rows of rpt_procedure_period added up (every count is additive) -#}
{% macro ii06a_sum_procedures() -%}
{%- set grain = 'unit_code, parent_unit_code, handling_level, period_type, period_start, period_end' -%}
with

by_procedure as (
    select * from {{ ref('rpt_procedure_period') }}
),

{{ _ii06a_summed(grain, 'by_procedure') }}
{%- endmacro %}

{#- the last two CTEs of both reports: counts added up over `grain`, then the rates from the sums -#}
{% macro _ii06a_summed(grain, relation) -%}
summed as (
    select
        {{ grain }},
        {% for column in _ii06a_counts() %}sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ relation }}
    group by all
),

final as (
    select
        {{ grain }},
        {{ _ii06a_columns('s') }}
    from summed as s
)

select * from final
{%- endmacro %}
