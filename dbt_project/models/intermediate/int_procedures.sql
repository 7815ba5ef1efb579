-- Procedure catalogue of both levels (the district system's entry first where a code is in both).
with

district as (
    select * from {{ ref('stg_district_one_stop__procedures') }}
),

ward as (
    select * from {{ ref('stg_ward_one_stop__procedures') }}
),

unioned as (
    select *, 1 as preference from district
    union all
    select *, 2 as preference from ward
),

preferred as (
    select procedure_code, procedure_name, field_code, field_name, online_level, duration_working_days, level,
           has_fee
    from unioned
    qualify row_number() over (partition by procedure_code order by preference) = 1
)

select * from preferred
