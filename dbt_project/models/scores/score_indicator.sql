/*
  Index scores per indicator: every rubric version (seed score_rubric) × every unit-period that has
  measures (int_score_measures: year, quarter, month). Points come from macro score_points only.
  Indicators the warehouse cannot compute keep a row with null figures and points and the reason.
  Components of a weighted sum (and PAR-style sub-criteria) are rows of their own; their parent row
  carries the capped sum. snapshot_id is 'live': these are the scores of this build; the yearly scoring
  run (python -m scoring) copies them into an immutable snapshot.
*/
with

rubric as (
    select * from {{ ref('score_rubric') }}
),

measures as (
    select * from {{ ref('int_score_measures') }}
),

assessments as (
    select * from {{ ref('score_assessment') }}
),

unit_periods as (
    select distinct unit_code, parent_unit_code, handling_level, period_type, period_start, period_end
    from measures
),

-- The portal computes some indicators for provinces only (METRICS sheet scope 'Tỉnh'): for a district or
-- commune unit they are not scored (var province_only_indicators = 'not_scored', the default), or given
-- their maximum as the QD766 dashboard does ('full_points'). docs/scoring.md names both readings.
scoped as (
    select
        u.*,
        r.* exclude (computable, not_computable_reason, formula_kind),
        coalesce(r.scored_levels, '') = '' or list_contains(string_split(r.scored_levels, ','), u.handling_level)
            as in_scope,
        r.computable as rubric_computable,
        r.not_computable_reason as rubric_not_computable_reason,
        r.formula_kind as rubric_formula_kind
    from unit_periods as u
    cross join rubric as r
),

figured as (
    select
        u.* exclude (rubric_computable, rubric_not_computable_reason, rubric_formula_kind),
        case when u.in_scope or '{{ var("province_only_indicators", "not_scored") }}' = 'not_scored'
             then u.rubric_formula_kind else 'assessed' end as formula_kind,
        u.rubric_computable and u.in_scope as computable,
        case when u.in_scope then u.rubric_not_computable_reason
             else 'Computed by the national portal for provinces only (METRICS sheet scope ''Tỉnh''); for a '
                  || u.handling_level || ' unit '
                  {%- if var("province_only_indicators", "not_scored") == "full_points" %}
                  || 'given its maximum (var province_only_indicators = full_points)'
                  {%- else %}
                  || 'not scored (var province_only_indicators = not_scored)'
                  {%- endif %} end as not_computable_reason,
        case when u.in_scope then num.value end as numerator,
        case when u.in_scope then den.value end as denominator,
        a.self_assessed_points,
        a.appraised_round1_points,
        a.appraised_round2_points,
        case when not u.in_scope then u.max_points
             else coalesce(a.appraised_round2_points, a.appraised_round1_points) end as appraised_points
    from scoped as u
    left join measures as num
        on num.unit_code = u.unit_code and num.handling_level = u.handling_level
        and num.period_type = u.period_type and num.period_start = u.period_start
        and num.period_end = u.period_end and num.measure = u.numerator_measure
    left join measures as den
        on den.unit_code = u.unit_code and den.handling_level = u.handling_level
        and den.period_type = u.period_type and den.period_start = u.period_start
        and den.period_end = u.period_end and den.measure = u.denominator_measure
    left join assessments as a  -- people's points are yearly
        on a.rubric_version = u.rubric_version and a.indicator_code = u.indicator_code
        and a.unit_code = u.unit_code and u.period_type = 'year' and a.year = year(u.period_start)
),

leaves as (
    select
        *,
        {{ score_points('formula_kind', 'max_points', 'numerator', 'denominator', 'threshold',
                        appraised_points='appraised_points') }} as points
    from figured
    where formula_kind <> 'weighted_sum'
),

components as (
    select
        rubric_version, unit_code, handling_level, period_type, period_start, period_end,
        parent_indicator_code as indicator_code,
        sum(points) as component_points,
        sum(max_points) filter (where points is not null) as component_scored_max_points
    from leaves
    where parent_indicator_code is not null
    group by all
),

sums as (
    select
        f.*,
        {{ score_points('f.formula_kind', 'f.max_points', 'f.numerator', 'f.denominator',
                        component_points='c.component_points') }} as points,
        least(f.max_points, c.component_scored_max_points) as component_scored_max_points
    from figured as f
    left join components as c
        using (rubric_version, unit_code, handling_level, period_type, period_start, period_end, indicator_code)
    where f.formula_kind = 'weighted_sum'
),

scored as (
    select *, case when points is not null then max_points end as scored_max_points from leaves
    union all by name
    select * exclude (component_scored_max_points),
           case when points is not null then component_scored_max_points end as scored_max_points
    from sums
),

final as (
    select
        'live' as snapshot_id,
        rubric_version,
        unit_code,
        parent_unit_code,
        handling_level,
        period_type,
        period_start,
        period_end,
        group_order,
        group_code,
        group_name,
        group_max_points,
        indicator_order,
        indicator_code,
        indicator_name,
        parent_indicator_code,
        formula_kind,
        threshold,
        numerator_measure,
        denominator_measure,
        numerator,
        denominator,
        numerator::double / nullif(denominator, 0) as ratio,
        points,
        max_points,
        scored_max_points,
        self_assessed_points,
        appraised_round1_points,
        appraised_round2_points,
        computable,
        not_computable_reason,
        rule_text
    from scored
)

select * from final
