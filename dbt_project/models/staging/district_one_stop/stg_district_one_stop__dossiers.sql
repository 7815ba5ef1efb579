-- District one-stop dossiers: latest version of each dossier, renamed, typed and decoded.
{{ config(materialized='incremental', unique_key='dossier_sk', incremental_strategy='delete+insert',
          on_schema_change='fail', meta={'watermark': '_extracted_at'}) }}
with

latest as (
    {{ latest_version(source('district_one_stop', 'dossiers'), '"MaHoSo"', '"NgayCapNhat"') }}
),

renamed as (
    select
        -- ids
        "MaHoSo" as dossier_id,
        {{ dossier_sk('"MaHoSo"') }} as dossier_sk,
        "MaDonVi" as vendor_unit_code,
        "MaTTHC" as procedure_code,
        "TenTTHC" as procedure_name,
        "MaLinhVuc" as field_code,
        "TenLinhVuc" as field_name,
        "ChuHoSo" as applicant_pseudonym,
        -- codes, decoded
        "KenhThucHien" as channel_code,
        case "KenhThucHien" when 1 then 'direct' when 2 then 'online' when 3 then 'postal' end as channel,
        case "MucDo" when 2 then 'info' when 3 then 'partial' when 4 then 'full' end as online_level,
        "TrangThaiHoSo" as status_code,
        case "LoaiDoiTuong" when 1 then 'citizen' when 2 then 'business' when 3 then 'agency' when 4 then 'other'
        end as applicant_type,
        -- flags
        coalesce("HinhThucTra" = 2, false) as postal_return_requested,
        coalesce("TrangThaiTraBuuDien" = 1, false) as postal_returned,
        coalesce("HinhThucTra" = 3, false) as result_returned_online,
        coalesce("HoSoCoThanhPhanSoHoa" = 1, false) as has_digitised_inputs,
        coalesce("DaSoHoaKetQua" = 1, false) as result_digitised,
        coalesce("DuocThanhToanTrucTuyen" in (1, 2), false) as paid_online,
        -- fees and charges (VND): total due and the part paid online
        "TongTienLePhi" as fee_amount,
        "SoTienThanhToanTrucTuyen" as fee_paid_online_amount,
        "DanhGiaHaiLong__MucDoHaiLong" as rating_level,
        -- timestamps (Vietnam local)
        {{ vn_compact_ts('"NgayNopHoSo"') }} as submitted_at,
        {{ vn_compact_ts('"NgayTiepNhan"') }} as received_at,
        {{ vn_compact_ts('"NgayHenTra"') }} as due_at,
        {{ vn_compact_ts('"NgayKetThucXuLy"') }} as finished_at,
        {{ vn_compact_ts('"NgayTra"') }} as returned_at,
        {{ vn_compact_ts('"DanhGiaHaiLong__NgayDanhGia"') }} as rated_at,
        {{ vn_compact_ts('"NgayCapNhat"') }} as updated_at,
        -- raw values kept so checks can flag what did not parse
        "NgayTiepNhan" as received_at_raw,
        "NgayHenTra" as due_at_raw,
        "NgayKetThucXuLy" as finished_at_raw,
        "NgayCapNhat" as cursor_raw,
        _batch_id as batch_id,
        _extracted_at
    from latest
)

select * from renamed
{{ unless_held('renamed', 'dossier_sk') }}
