-- Which units offer a procedure (DonViThucHien of the kept procedure version): vendor unit, online level
-- (MucDo 2 information, 3 partial, 4 full online), first and last day offered (inclusive; null = still).
with

procedures as (
    select "MaTTHC" as procedure_code, _batch_id as batch_id, "NgayCapNhat" as cursor_raw
    from ({{ latest_version(source('district_one_stop', 'procedures'), '"MaTTHC"', '"NgayCapNhat"') }})
),

kept as (
    {{ of_kept_version(source('district_one_stop', 'procedure_offerings'), 'procedures', '"MaTTHC"', 'procedure_code') }}
),

latest as (
    {{ latest_version('kept', ['"MaTTHC"', '_ordinal'], '_page') }}
),

renamed as (
    select
        "MaTTHC" as procedure_code,
        "MaDonVi" as vendor_unit_code,
        case "MucDo" when 2 then 'info' when 3 then 'partial' when 4 then 'full' end as online_level,
        try_strptime("TuNgay", '%Y%m%d')::date as valid_from,
        try_strptime("DenNgay", '%Y%m%d')::date as valid_to
    from latest
)

select * from renamed
