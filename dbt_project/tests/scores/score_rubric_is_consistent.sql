-- Every rubric version adds up and says how each indicator is scored (seed score_rubric):
-- a group's maximum = the sum of its top-level indicators' maxima; a computable data indicator names
-- both measures; a non-computable one says why; a capped one has a threshold in (0, 1]; a weighted sum
-- has components and a component's parent exists.
with rubric as (select * from {{ ref('score_rubric') }}),

group_sums as (
    select rubric_version, group_code, max(group_max_points) as group_max_points,
           sum(max_points) filter (where parent_indicator_code is null) as top_level_points
    from rubric group by all
)

select rubric_version, group_code, null as indicator_code, 'group maximum differs from its indicators' as problem
from group_sums where group_max_points <> top_level_points
union all
select rubric_version, group_code, indicator_code, 'computable indicator without both measures'
from rubric where computable and formula_kind in ('linear', 'capped', 'full_when_none')
    and (numerator_measure is null or denominator_measure is null)
union all
select rubric_version, group_code, indicator_code, 'not computable without a reason'
from rubric where not computable and coalesce(not_computable_reason, '') = ''
union all
select rubric_version, group_code, indicator_code, 'capped without a threshold in (0, 1]'
from rubric where formula_kind = 'capped' and not coalesce(threshold > 0 and threshold <= 1, false)
union all
select p.rubric_version, p.group_code, p.indicator_code, 'weighted sum without components'
from rubric as p where p.formula_kind = 'weighted_sum'
    and not exists (select 1 from rubric as c where c.rubric_version = p.rubric_version
                    and c.parent_indicator_code = p.indicator_code)
union all
select c.rubric_version, c.group_code, c.indicator_code, 'component of an unknown parent'
from rubric as c where c.parent_indicator_code is not null
    and not exists (select 1 from rubric as p where p.rubric_version = c.rubric_version
                    and p.indicator_code = c.parent_indicator_code and p.formula_kind = 'weighted_sum')
