{#
  Points of one indicator — the one home of the scoring formulas (rubric: seed score_rubric, kind per row).
    linear          max × numerator / denominator                  denominator 0 → 0
    capped          min(max, max × (numerator / denominator) / threshold)   denominator 0 → 0
    full_when_none  max × numerator / denominator                  denominator 0 → max (nothing was due)
    weighted_sum    min(max, sum of the components' points)        no component scored → null
    assessed        min(max, the appraisal council's points)       not appraised → null
  A null numerator or denominator means the warehouse has no data: the points are null, never 0.
  (DuckDB's least() skips nulls, hence the explicit null checks.) Rounded to 6 decimals so that equal
  scores compare equal (rank ties) whatever the order of the floating-point operations.
#}
{% macro score_points(kind, max_points, numerator, denominator, threshold='null', component_points='null',
                      appraised_points='null') -%}
round(case
    when {{ kind }} in ('linear', 'capped', 'full_when_none') then
        case
            when {{ numerator }} is null or {{ denominator }} is null then null
            when {{ denominator }} = 0 then case when {{ kind }} = 'full_when_none' then {{ max_points }} else 0 end
            when {{ kind }} = 'capped' then
                {{ max_points }} * least(1.0, ({{ numerator }}::double / {{ denominator }}) / {{ threshold }})
            else {{ max_points }} * least(1.0, {{ numerator }}::double / {{ denominator }})
        end
    when {{ kind }} = 'weighted_sum' then
        case when {{ component_points }} is not null then least({{ max_points }}, {{ component_points }}) end
    when {{ kind }} = 'assessed' then
        case when {{ appraised_points }} is not null then least({{ max_points }}, {{ appraised_points }}) end
end, 6)
{%- endmacro %}
