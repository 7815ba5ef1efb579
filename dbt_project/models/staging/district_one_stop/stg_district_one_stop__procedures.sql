-- District-level procedure catalogue.
with

latest as (
    {{ latest_version(source('district_one_stop', 'procedures'), '"MaTTHC"', '"NgayCapNhat"') }}
),

renamed as (
    select
        "MaTTHC" as procedure_code,
        "TenTTHC" as procedure_name,
        "MaLinhVuc" as field_code,
        "TenLinhVuc" as field_name,
        case "MucDo" when 2 then 'info' when 3 then 'partial' when 4 then 'full' end as online_level,
        "ThoiHanGiaiQuyet" as duration_working_days,
        case "CapThucHien" when 'huyen' then 'district' when 'xa' then 'ward' else "CapThucHien" end as level,
        coalesce("CoPhiLePhi" = 1, false) as has_fee
    from latest
)

select * from renamed
