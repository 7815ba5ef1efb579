-- Communes served by the ward system, with their parent: the district, or from 1 July 2025 (no district
-- level, Resolution 202/2025/QH15) the province.
with

latest as (
    {{ latest_version(source('ward_one_stop', 'units'), 'code', 'updated_at') }}
),

renamed as (
    select
        code as unit_code,
        name as unit_name,
        type as unit_type,
        coalesce(district_code, province_code) as parent_unit_code,
        province_code
    from latest
)

select * from renamed
