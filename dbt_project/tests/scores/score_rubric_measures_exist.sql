-- A rubric that names a measure the warehouse does not produce would score null silently.
select distinct r.rubric_version, r.indicator_code, m.name as measure
from {{ ref('score_rubric') }} as r
cross join lateral (select unnest([r.numerator_measure, r.denominator_measure]) as name) as m
where r.computable and m.name is not null
    and m.name not in (select distinct measure from {{ ref('int_score_measures') }})
