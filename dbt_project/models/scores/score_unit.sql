/*
  Index scores per unit, period and rubric version, one row per group (field) with the unit's total
  repeated on each row, and the unit's rank among units of the same handling level within its province
  (rank(): equal totals share a rank, the next rank skips). Totals add the top-level indicators only
  (components of a weighted sum are inside their parent). Null = nothing in the group could be scored;
  0 = scored, and zero. The province is the unit's parent (district) or grandparent (commune) in
  dim_admin_unit at the period start, else in the source systems' unit lists (int_units).
*/
with

indicators as (
    select * from {{ ref('score_indicator') }} where parent_indicator_code is null
),

unit_versions as (
    select unit_code, unit_name, level, parent_code,
           coalesce(valid_from, date '0001-01-01') as valid_from,  -- unknown start: valid since always
           coalesce(valid_to, date '9999-12-31') as valid_to
    from {{ ref('dim_admin_unit') }}
),

source_units as (
    select unit_code, parent_unit_code, level from {{ ref('int_units') }}
),

groups as (
    select
        snapshot_id, rubric_version, unit_code, parent_unit_code, handling_level, period_type, period_start,
        period_end, group_order, group_code, group_name, group_max_points,
        round(sum(points), 6) as group_points,
        round(sum(scored_max_points), 6) as group_scored_max_points,
        count(points) as indicators_scored,
        count(*) as indicators
    from indicators
    group by all
),

totals as (
    select
        snapshot_id, rubric_version, unit_code, handling_level, period_type, period_start, period_end,
        round(sum(group_points), 6) as unit_total_points,
        round(sum(group_max_points), 6) as unit_max_points,
        round(sum(group_scored_max_points), 6) as unit_scored_max_points
    from groups
    group by all
),

placed as (
    select
        t.*,
        g.parent_unit_code,
        u.unit_name,
        coalesce(
            case when p.level = 'province' then p.unit_code else p.parent_code end,
            case when su.level = 'tinh' or su.parent_unit_code is null then g.parent_unit_code
                 else su.parent_unit_code end
        ) as province_code
    from totals as t
    inner join (select distinct snapshot_id, rubric_version, unit_code, handling_level, period_type, period_start,
                       period_end, parent_unit_code from groups) as g
        using (snapshot_id, rubric_version, unit_code, handling_level, period_type, period_start, period_end)
    left join unit_versions as u
        on u.unit_code = t.unit_code and t.period_start between u.valid_from and u.valid_to
    left join unit_versions as p
        on p.unit_code = u.parent_code and t.period_start between p.valid_from and p.valid_to
    left join source_units as su on su.unit_code = g.parent_unit_code
),

ranked as (
    select
        *,
        case when unit_total_points is not null then
            rank() over (partition by snapshot_id, rubric_version, period_type, period_start, period_end,
                                      handling_level, province_code
                         order by unit_total_points desc nulls last)
        end as rank_in_province,
        count(unit_total_points) over (partition by snapshot_id, rubric_version, period_type, period_start,
                                                    period_end, handling_level, province_code) as units_ranked
    from placed
),

final as (
    select
        r.snapshot_id,
        r.rubric_version,
        r.unit_code,
        r.unit_name,
        r.parent_unit_code,
        r.province_code,
        r.handling_level,
        r.period_type,
        r.period_start,
        r.period_end,
        g.group_order,
        g.group_code,
        g.group_name,
        g.group_points,
        g.group_max_points,
        g.group_scored_max_points,
        g.indicators_scored,
        g.indicators,
        r.unit_total_points,
        r.unit_max_points,
        r.unit_scored_max_points,
        r.rank_in_province,
        r.units_ranked
    from ranked as r
    inner join groups as g
        using (snapshot_id, rubric_version, unit_code, handling_level, period_type, period_start, period_end)
)

select * from final
