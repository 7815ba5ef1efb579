-- The district system's unit list: its own unit codes mapped to official (NSO) codes.
with

source as (
    select * from {{ landing('district_one_stop', 'units') }}
    qualify row_number() over (partition by "MaDonVi" order by "NgayCapNhat" desc, _batch_id desc) = 1
),

renamed as (
    select
        "MaDonVi" as vendor_unit_code,
        "TenDonVi" as unit_name,
        "MaDVHC" as unit_code,
        "MaDVHCCha" as parent_unit_code,
        "CapDonVi" as unit_level
    from source
)

select * from renamed
