-- Communes served by the ward system, with their parent: the district, or from 1 July 2025 (no district
-- level, Resolution 202/2025/QH15) the province.
with

source as (
    select * from {{ landing('ward_one_stop', 'units') }}
    qualify row_number() over (partition by code order by updated_at desc, _batch_id desc) = 1
),

renamed as (
    select
        code as unit_code,
        name as unit_name,
        type as unit_type,
        coalesce(district_code, province_code) as parent_unit_code,
        province_code
    from source
)

select * from renamed
