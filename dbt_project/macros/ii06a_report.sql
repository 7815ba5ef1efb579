{#
  Report form II.06a figures by a grain (unit, handling level, period, and optionally a procedure).
  The one home of the II.06a column definitions; rpt_dossier_period and rpt_procedure_period call it.
#}
{#- null-safe: a unit without a known parent (parent_unit_code null) must still join its own figures -#}
{% macro _same_grain(left, right, columns) -%}
{%- for column in columns -%}
{{ left }}.{{ column }} is not distinct from {{ right }}.{{ column }}{{ ' and ' if not loop.last }}
{%- endfor -%}
{%- endmacro %}

{% macro ii06a_report(extra_grain=[]) -%}
{%- set base = ['unit_code', 'parent_unit_code', 'handling_level'] + extra_grain -%}
{%- set grain_columns = base + ['period_type', 'period_start', 'period_end'] -%}
{%- set grain = grain_columns | join(', ') -%}
{%- set prefixed_d, prefixed_g = [], [] -%}
{%- for column in base -%}{%- do prefixed_d.append('d.' ~ column) -%}{%- endfor -%}
{%- for column in base + ['period_type', 'period_start', 'period_end'] -%}{%- do prefixed_g.append('g.' ~ column) -%}{%- endfor -%}
{%- set grain_d = (prefixed_d + ['p.period_type', 'p.period_start', 'p.period_end']) | join(', ') -%}
{%- set grain_g = prefixed_g | join(', ') -%}
with

dossiers as (
    select * from {{ ref('int_dossier_sla') }} where received_at is not null
),

periods as (
    select * from {{ ref('int_report_periods') }}
),

apologies as (
    select * from {{ ref('int_dossier_apologies') }}
),

handled as (
    select d.*, p.period_type, p.period_start, p.period_end
    from dossiers as d
    inner join periods as p
        on d.received_date <= p.period_end
        and (d.finished_date is null or d.finished_date >= p.period_start)
),

figures as (
    select
        {{ grain }},
        count(*) filter (where received_date < period_start) as carried_over,
        count(*) filter (where received_date >= period_start) as received_new,
        count(*) filter (where received_date >= period_start and channel = 'online') as received_online,
        count(*) filter (where received_date >= period_start and coalesce(channel, 'direct') = 'direct')
            as received_direct,
        count(*) filter (where received_date >= period_start and channel = 'postal') as received_postal,
        count(*) filter (where finished_date <= period_end) as resolved_total,
        count(*) filter (where finished_date <= period_end and finished_timeliness = 'early') as resolved_early,
        count(*) filter (where finished_date <= period_end and finished_timeliness = 'on_time') as resolved_on_time,
        count(*) filter (where finished_date <= period_end and finished_timeliness = 'late') as resolved_late,
        count(*) filter (where finished_date is null or finished_date > period_end) as in_progress_total,
        count(*) filter (where (finished_date is null or finished_date > period_end)
                         and not {{ open_overdue_at('period_end') }}) as in_progress_within_deadline,
        count(*) filter (where (finished_date is null or finished_date > period_end)
                         and {{ open_overdue_at('period_end') }}) as in_progress_overdue,
        count(*) filter (where finished_date <= period_end and postal_return_requested) as postal_return_requested,
        count(*) filter (where finished_date <= period_end and postal_returned) as postal_returned,
        count(*) filter (where finished_date <= period_end and result_returned_online) as results_returned_online,
        count(*) filter (where finished_date <= period_end and result_digitised) as results_digitised
    from handled
    group by all
),

ratings as (
    select {{ grain_d }},
        count(*) as ratings_total,
        count(*) filter (where d.rating_level in (1, 2)) as ratings_satisfied
    from dossiers as d
    inner join periods as p on d.rated_at::date between p.period_start and p.period_end
    group by all
),

apology_counts as (
    select {{ grain_d }},
        count(*) as apologies_issued
    from apologies as a
    inner join dossiers as d on a.dossier_id = d.dossier_id
    inner join periods as p on a.issued_at::date between p.period_start and p.period_end
    group by all
),

grain as (
    select {{ grain }} from figures
    union
    select {{ grain }} from ratings
    union
    select {{ grain }} from apology_counts
),

final as (
    select
        {{ grain_g }},
        coalesce(f.carried_over, 0) as carried_over,
        coalesce(f.received_new, 0) as received_new,
        coalesce(f.carried_over, 0) + coalesce(f.received_new, 0) as received_total,
        coalesce(f.received_online, 0) as received_online,
        coalesce(f.received_direct, 0) as received_direct,
        coalesce(f.received_postal, 0) as received_postal,
        coalesce(f.resolved_total, 0) as resolved_total,
        coalesce(f.resolved_early, 0) as resolved_early,
        coalesce(f.resolved_on_time, 0) as resolved_on_time,
        coalesce(f.resolved_late, 0) as resolved_late,
        coalesce(f.in_progress_total, 0) as in_progress_total,
        coalesce(f.in_progress_within_deadline, 0) as in_progress_within_deadline,
        coalesce(f.in_progress_overdue, 0) as in_progress_overdue,
        (f.resolved_early + f.resolved_on_time) / nullif(f.resolved_total, 0) as on_time_rate,
        f.received_online / nullif(f.received_new, 0) as online_rate,
        coalesce(f.postal_return_requested, 0) as postal_return_requested,
        coalesce(f.postal_returned, 0) as postal_returned,
        coalesce(f.results_returned_online, 0) as results_returned_online,
        coalesce(a.apologies_issued, 0) as apologies_issued,
        coalesce(r.ratings_total, 0) as ratings_total,
        coalesce(r.ratings_satisfied, 0) as ratings_satisfied,
        coalesce(f.results_digitised, 0) as results_digitised
    from grain as g
    left join figures as f on {{ _same_grain('g', 'f', grain_columns) }}
    left join ratings as r on {{ _same_grain('g', 'r', grain_columns) }}
    left join apology_counts as a on {{ _same_grain('g', 'a', grain_columns) }}
)

select * from final
{%- endmacro %}
