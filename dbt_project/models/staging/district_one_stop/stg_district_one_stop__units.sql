-- The district system's unit list: its own unit codes mapped to official (NSO) codes.
with

latest as (
    {{ latest_version(source('district_one_stop', 'units'), '"MaDonVi"', '"NgayCapNhat"') }}
),

renamed as (
    select
        "MaDonVi" as vendor_unit_code,
        "TenDonVi" as unit_name,
        "MaDVHC" as unit_code,
        "MaDVHCCha" as parent_unit_code,
        "CapDonVi" as unit_level
    from latest
)

select * from renamed
