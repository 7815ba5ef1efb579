-- Procedure offerings of both one-stop systems with official unit codes and the handling level: one row
-- per procedure, unit, online level and effective interval [valid_from, valid_to] (valid_to null = open).
with

district as (
    select * from {{ ref('stg_district_one_stop__procedure_offerings') }}
),

district_units as (
    select * from {{ ref('stg_district_one_stop__units') }}
),

ward as (
    select * from {{ ref('stg_ward_one_stop__procedure_offerings') }}
),

ward_units as (
    select * from {{ ref('stg_ward_one_stop__units') }}
),

district_shaped as (
    select u.unit_code, u.parent_unit_code, 'district' as handling_level, d.procedure_code, d.online_level,
        d.valid_from, d.valid_to
    from district as d
    inner join district_units as u on d.vendor_unit_code = u.vendor_unit_code
),

ward_shaped as (
    select w.unit_code, u.parent_unit_code, 'ward' as handling_level, w.procedure_code, w.online_level,
        w.valid_from, w.valid_to
    from ward as w
    left join ward_units as u on w.unit_code = u.unit_code
)

select * from district_shaped
union all
select * from ward_shaped
