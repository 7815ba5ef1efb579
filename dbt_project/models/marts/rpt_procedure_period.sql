-- Report form II.06a figures per procedure (TTHC), unit, handling level and period: the counts of
-- int_ii06a_counts with the rates computed from them (macro _ii06a_columns).
with

counts as (
    select * from {{ ref('int_ii06a_counts') }}
),

final as (
    select
        unit_code, parent_unit_code, handling_level, procedure_code, period_type, period_start, period_end,
        {{ _ii06a_columns('counts') }}
    from counts
)

select * from final
