-- Which units offer a procedure (DonViThucHien of the kept procedure version): vendor unit, online level
-- (MucDo 2 information, 3 partial, 4 full online), first and last day offered (inclusive; null = still).
with

offerings as (
    select * from {{ landing('district_one_stop', 'procedure_offerings') }}
),

procedures as (
    select "MaTTHC" as procedure_code, _batch_id as batch_id, "NgayCapNhat" as cursor_raw
    from {{ landing('district_one_stop', 'procedures') }}
    qualify row_number() over (partition by "MaTTHC" order by "NgayCapNhat" desc, _batch_id desc) = 1
),

renamed as (
    select
        o."MaTTHC" as procedure_code,
        o."MaDonVi" as vendor_unit_code,
        case o."MucDo" when 2 then 'info' when 3 then 'partial' when 4 then 'full' end as online_level,
        try_strptime(o."TuNgay", '%Y%m%d')::date as valid_from,
        try_strptime(o."DenNgay", '%Y%m%d')::date as valid_to
    from offerings as o
    inner join procedures as p
        on o."MaTTHC" = p.procedure_code and o._batch_id = p.batch_id and o._parent_cursor = p.cursor_raw
    qualify row_number() over (partition by o."MaTTHC", o._ordinal order by o._page desc) = 1
)

select * from renamed
