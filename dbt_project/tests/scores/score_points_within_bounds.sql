-- Points lie in [0, max]; null points only where a figure is missing (or nothing was appraised / no
-- component was scored); a unit's total is the sum of its groups.
select 'points out of [0, max]' as problem, unit_code, indicator_code
from {{ ref('score_indicator') }}
where points < 0 or points > max_points + 1e-9
union all
select 'null points with both figures known', unit_code, indicator_code
from {{ ref('score_indicator') }}
where points is null and numerator is not null and denominator is not null
union all
select 'total differs from the sum of groups', unit_code, null
from {{ ref('score_unit') }}
group by snapshot_id, rubric_version, unit_code, handling_level, period_type, period_start, period_end
having abs(coalesce(max(unit_total_points), 0) - coalesce(sum(group_points), 0)) > 1e-6
