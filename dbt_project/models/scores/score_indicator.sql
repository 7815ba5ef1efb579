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

figured as (
    select
        u.*, r.*,
        num.value as numerator,
        den.value as denominator,
        a.self_assessed_points,
        a.appraised_round1_points,
        a.appraised_round2_points,
        coalesce(a.appraised_round2_points, a.appraised_round1_points) as appraised_points
    from unit_periods as u
    cross join rubric as r
    left join measures as num
        on num.unit_code = u.unit_code and num.handling_level = u.handling_level
        and num.period_type = u.period_type and num.period_start = u.period_start
        and num.period_end = u.period_end and num.measure = r.numerator_measure
    left join measures as den
        on den.unit_code = u.unit_code and den.handling_level = u.handling_level
        and den.period_type = u.period_type and den.period_start = u.period_start
        and den.period_end = u.period_end and den.measure = r.denominator_measure
    left join assessments as a  -- people's points are yearly
        on a.rubric_version = r.rubric_version and a.indicator_code = r.indicator_code
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
