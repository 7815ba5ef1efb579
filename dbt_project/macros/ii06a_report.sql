{#
  Report form II.06a figures by a grain (unit, handling level, period, and optionally a procedure).
  The one home of the II.06a column definitions: int_ii06a_counts counts them from the dossiers
  (ii06a_counts), rpt_procedure_period adds the rates (_ii06a_columns), rpt_dossier_period adds the
  procedures up (ii06a_sum_procedures).

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

{#-
  The per-dossier inputs of the II.06a counts, one row per dossier received (received_at not null):
  its grain, the dates and flags the counts read, what open_overdue_at judges an open dossier by, and
  the months of its apology letters. `dossiers`: int_dossier_sla rows; `apologies`: int_dossier_apologies
  rows. int_ii06a_counts keeps these rows as last counted (its ledger, ii06a_record_counted).
-#}
{% macro ii06a_inputs(base, dossiers, apologies) -%}
    select
        {% for column in base %}d.{{ column }}, {% endfor %}d.dossier_sk, d.dossier_id,
        d.received_date, d.finished_date, d.channel, d.finished_timeliness,
        d.postal_return_requested, d.postal_returned, d.result_returned_online, d.result_digitised,
        d.rated_at, d.rating_level,
        d.base_due_date, d.due_date_after_first_supplement, d.first_supplement_requested_at,
        d.first_supplement_resumed_at, d.second_supplement_requested_at,
        a.apology_months,
        d._extracted_at
    from {{ dossiers }} as d
    left join (
        select dossier_sk, list(date_trunc('month', issued_at)::date order by issued_at) as apology_months
        from {{ apologies }} where issued_at is not null group by dossier_sk
    ) as a on d.dossier_sk = a.dossier_sk
    where d.received_at is not null
{%- endmacro %}

{#- The grain of the counts: unit, parent, level, and `extra_grain` (int_ii06a_counts: the procedure). -#}
{% macro _ii06a_base(extra_grain) -%}
    {{ return(['unit_code', 'parent_unit_code', 'handling_level'] + extra_grain) }}
{%- endmacro %}

{#-
  The rows int_dossier_sla re-wrote since the ledger was last written (extracted after its newest row, or
  after `since`, a scalar query fixed before the ledger moves). A filter on the watermark, not a join on
  dossier_id: int_dossier_sla holds one row per dossier, so these are the same rows, and delete+insert
  appends them at the table's end, where the watermark's zone maps skip every older row group (at 10M: 2 of
  86 row groups read, against all 86 for `dossier_id in (…)`, ~1.3 s of a 2.2 s delta query).
-#}
{% macro _ii06a_changed_sla(ledger, since=none) -%}
    select * from {{ ref('int_dossier_sla') }}
    where {{ extracted_after_held(holder=ledger, since=since) }}
{%- endmacro %}

{#- The dossier keys (dossier_sk) of those rows. -#}
{% macro _ii06a_changed(ledger, since=none) -%}
    select dossier_sk from ({{ _ii06a_changed_sla(ledger, since) }})
{%- endmacro %}

{#- The ledger of int_ii06a_counts: its inputs rows (ii06a_inputs) of every dossier as last counted. -#}
{% macro _ii06a_ledger() -%}
    {{ return(api.Relation.create(database=this.database, schema=this.schema, identifier=this.identifier ~ '__dossiers')) }}
{%- endmacro %}

{#-
  How an incremental run of int_ii06a_counts counts: 'delta' (held counts − the changed dossiers as last
  counted + as they are now), or 'recount' (every dossier again) when there is no ledger or the set of
  standard periods changed since the counts were made (a new month, or data before the first day): the
  unchanged dossiers count in a new period too.
-#}
{% macro _ii06a_mode() -%}
    {%- set mode = 'full' -%}
    {%- if this is not none and is_incremental() and model.resource_type != 'unit_test' -%}
        {%- set mode = 'delta' -%}
        {%- set ledger = _ii06a_ledger() -%}
        {%- if execute and adapter.get_relation(ledger.database, ledger.schema, ledger.identifier) is none -%}
            {%- set mode = 'recount' -%}
        {%- elif execute -%}
            {%- set periods = "select period_type, period_start, period_end from " ~ ref('int_report_periods') -%}
            {%- set held = "select distinct period_type, period_start, period_end from " ~ this -%}
            {%- set differing = run_query("select count(*) from ((" ~ periods ~ " except " ~ held ~ ") union all ("
                                          ~ held ~ " except " ~ periods ~ "))").columns[0].values()[0] -%}
            {%- if differing > 0 %}{% set mode = 'recount' %}{% endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}

{#-
  The II.06a counts (_ii06a_counts) by grain and period: int_ii06a_counts. A full build counts every
  dossier; an incremental run (_ii06a_mode) either counts again or, for 'delta', only the dossiers
  int_dossier_sla re-wrote since the ledger (extracted after its newest row): their contributions as
  last counted are taken away (sign −1) and as they are now added (sign +1), per (grain, period) — the
  counts are sums, so held + change is the full count — and only the (grain, period) rows whose counts
  change are written. A row whose presence counts fall to 0 is deleted (incremental strategy
  replace_keys, keep_rows_where): a full build has no row where nothing is received, rated or apologised.
-#}
{% macro ii06a_counts(extra_grain=[]) -%}
{%- set base = _ii06a_base(extra_grain) -%}
{%- set base_list = base | join(', ') -%}
{%- set keys = base + ['period_type', 'period_start', 'period_end'] -%}
{%- set cell_grain = [] -%}{%- for column in base -%}{%- do cell_grain.append('c.' ~ column) -%}{%- endfor -%}
{%- set cell_grain = (cell_grain + ['p.period_type', 'p.period_start', 'p.period_end']) | join(', ') -%}
{%- set mode = _ii06a_mode() -%}
{%- set ledger = _ii06a_ledger() if mode == 'delta' else none -%}
-- counted: {{ mode }}
with

periods as (
    select period_type, period_start, period_end, date_trunc('month', period_end)::date as last_month
    from {{ ref('int_report_periods') }}
),

period_ends as (
    select distinct period_end from periods
),

{%- if mode == 'delta' %}

-- re-written by int_dossier_sla since the ledger was last written
changed as (
    {{ _ii06a_changed(ledger) }}
),

-- as they are now (+1) and as last counted (−1)
dossiers as (
    select *, 1 as sign from (
        {{ ii06a_inputs(base, "(" ~ _ii06a_changed_sla(ledger) ~ ")",
            "(select * from " ~ ref('int_dossier_apologies') ~ " where dossier_sk in (select dossier_sk from changed))") }}
    )
    union all by name
    select *, -1 as sign from {{ ledger }} where dossier_sk in (select dossier_sk from changed)
),

apology_rows as (
    select {{ base_list }}, unnest(apology_months) as issued_month, sign
    from dossiers where apology_months is not null
),
{%- else %}

-- every dossier, used four times: not materialized, so each use reads only the columns it needs (the
-- ledger's projection, ii06a_inputs, would join the apologies at each use)
dossiers as not materialized (
    select *, 1 as sign from {{ ref('int_dossier_sla') }} where received_at is not null
),

apology_rows as (
    select {% for column in base %}d.{{ column }}, {% endfor %}date_trunc('month', a.issued_at)::date as issued_month,
        1 as sign
    from {{ ref('int_dossier_apologies') }} as a
    inner join dossiers as d on a.dossier_sk = d.dossier_sk
    where a.issued_at is not null
),
{%- endif %}

-- counted once per (grain, received month, finished month); finished_month null = not finished
flow_cells as (
    select
        {{ base_list }},
        date_trunc('month', received_date)::date as received_month,
        date_trunc('month', finished_date)::date as finished_month,
        sum(sign) as dossiers,
        sum(sign) filter (where channel = 'online') as online,
        sum(sign) filter (where coalesce(channel, 'direct') = 'direct') as direct,
        sum(sign) filter (where channel = 'postal') as postal,
        sum(sign) filter (where finished_timeliness = 'early') as early,
        sum(sign) filter (where finished_timeliness = 'on_time') as on_time,
        sum(sign) filter (where finished_timeliness = 'late') as late,
        sum(sign) filter (where postal_return_requested) as postal_return_requested,
        sum(sign) filter (where postal_returned) as postal_returned,
        sum(sign) filter (where result_returned_online) as results_returned_online,
        sum(sign) filter (where result_digitised) as results_digitised
    from dossiers
    group by all
),

-- open at a period end: received by then, not finished by then; judged at that very day
open_cells as (
    select
        {{ base_list }}, e.period_end,
        sum(sign) filter (where not {{ open_overdue_at('e.period_end') }}) as within_deadline,
        sum(sign) filter (where {{ open_overdue_at('e.period_end') }}) as overdue
    from dossiers as d
    inner join period_ends as e
        on d.received_date <= e.period_end
        and (d.finished_date is null or d.finished_date > e.period_end)
    group by all
),

rating_cells as (
    select
        {{ base_list }}, date_trunc('month', rated_at)::date as rated_month,
        sum(sign) as ratings_total,
        sum(sign) filter (where rating_level in (1, 2)) as ratings_satisfied
    from dossiers
    where rated_at is not null
    group by all
),

apology_cells as (
    select {{ base_list }}, issued_month, sum(sign) as apologies_issued
    from apology_rows
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

summed as (
    select
        {{ keys | join(', ') }},
        {% for column in _ii06a_counts() %}coalesce(sum({{ column }}), 0)::bigint as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from contributions
    group by all
),

{%- if mode == 'delta' %}

-- the (grain, period) rows the changed dossiers move, as held + change
changes as (
    select * from summed
    where {% for column in _ii06a_counts() %}{{ column }} <> 0{{ ' or ' if not loop.last }}{% endfor %}
),

final as (
    select
        {% for column in keys %}c.{{ column }}, {% endfor %}
        {% for column in _ii06a_counts() %}coalesce(h.{{ column }}, 0) + c.{{ column }} as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from changes as c
    left join {{ this }} as h on {{ _same_grain('c', 'h', keys) }}
)
{%- elif mode == 'recount' %}

-- every held row is replaced: by its new counts, or deleted (all 0) where nothing counts there any more
final as (
    select * from summed
    union all by name
    select {{ keys | join(', ') }},
        {% for column in _ii06a_counts() %}0::bigint as {{ column }}{{ ',' if not loop.last }}{% endfor %}
    from {{ this }} as h
    where not exists (select 1 from summed as s where {{ _same_grain('s', 'h', keys) }})
)
{%- else %}

final as (
    select * from summed
)
{%- endif %}

select * from final
{%- endmacro %}

{#-
  post_hook of int_ii06a_counts, in the same transaction (the same file): the ledger takes the changed
  dossiers as counted now, so the next run takes away exactly what this one added. A full refresh, or a
  missing ledger, writes it whole. "Changed" and the watermark it is read from are fixed in temporary
  tables before the ledger moves (the delete can lower the ledger's newest row).
-#}
{% macro ii06a_record_counted(extra_grain=[]) -%}
{%- set base = _ii06a_base(extra_grain) -%}
{%- set ledger = _ii06a_ledger() -%}
{%- if should_full_refresh() or adapter.get_relation(ledger.database, ledger.schema, ledger.identifier) is none -%}
    create or replace table {{ ledger }} as
    {{ ii06a_inputs(base, ref('int_dossier_sla'), ref('int_dossier_apologies')) }};
{%- else -%}
    create or replace temp table ii06a_since as {{ held_watermark(holder=ledger) }};
    {%- set since = "select * from ii06a_since" %}
    create or replace temp table ii06a_changed as {{ _ii06a_changed(ledger, since) }};
    delete from {{ ledger }} where dossier_sk in (select dossier_sk from ii06a_changed);
    insert into {{ ledger }} by name
    {{ ii06a_inputs(base, "(" ~ _ii06a_changed_sla(ledger, since) ~ ")",
        "(select * from " ~ ref('int_dossier_apologies') ~ " where dossier_sk in (select dossier_sk from ii06a_changed))") }};
    drop table ii06a_changed;
    drop table ii06a_since;
{%- endif -%}
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
