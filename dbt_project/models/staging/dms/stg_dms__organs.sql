-- Agencies of the DMS and the administrative unit each belongs to.
with

source as (
    select * from {{ landing('dms', 'organs') }}
    qualify row_number() over (partition by "OrganId" order by "ModifiedDate" desc, _batch_id desc) = 1
),

renamed as (
    select
        "OrganId" as organ_id,
        "OrganName" as organ_name,
        "UnitCode" as unit_code,
        "UnitLevel" as unit_level
    from source
)

select * from renamed
