-- Agencies of the DMS and the administrative unit each belongs to.
with

latest as (
    {{ latest_version(source('dms', 'organs'), '"OrganId"', '"ModifiedDate"') }}
),

renamed as (
    select
        "OrganId" as organ_id,
        "OrganName" as organ_name,
        "UnitCode" as unit_code,
        "UnitLevel" as unit_level
    from latest
)

select * from renamed
