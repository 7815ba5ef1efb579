"""Declared Arrow schemas of every source record, one per endpoint (source names, source values).

Dates stay strings here: landing keeps what the source sent; staging parses. Nested lists are
declared as list<struct> so they can be split into child entities without per-record Python.
"""

from __future__ import annotations

import pyarrow as pa

S, N, B = pa.string(), pa.int64(), pa.bool_()


def struct(**fields: pa.DataType) -> pa.StructType:
    return pa.struct(list(fields.items()))


DISTRICT_STEP = struct(MaBuoc=N, NguoiXuLy=S, ChucDanh=S, PhongBanXuLy=S, NoiDungXuLy=S, TrangThai=N,
                       ThoiDiemXuLy=S, NgayBatDau=S, NgayKetThucTheoQuyDinh=S)
DISTRICT_SUPPLEMENT = struct(MaBoSung=S, NoiDungBoSung=S, NgayYeuCauBoSung=S, NgayTiepNhanBoSung=S,
                             TrangThaiBoSung=N, NgayHenTraTruoc=S, NgayHenTraMoi=S)
DISTRICT_APOLOGY = struct(MaPhieu=S, NgayXinLoi=S, LyDo=S, NgayHenTraCu=S, NgayHenTraMoi=S)

DISTRICT_DOSSIER = struct(
    MaHoSo=S, MaTTHC=S, TenTTHC=S, MaLinhVuc=S, TenLinhVuc=S, MaDonVi=S, KenhThucHien=N, MucDo=N,
    NgayNopHoSo=S, NgayTiepNhan=S, NgayHenTra=S, NgayKetThucXuLy=S, NgayTra=S, TrangThaiHoSo=N, HinhThucTra=N,
    TrangThaiTraBuuDien=N, LoaiDoiTuong=N, ChuHoSo=S, SoGiayToChuHoSo=S, SoDienThoai=S, Email=S,
    HoSoCoThanhPhanSoHoa=N, DaSoHoaKetQua=N, DuocThanhToanTrucTuyen=N, TongTienLePhi=N,
    SoTienThanhToanTrucTuyen=N, NgayCapNhat=S,
    QuaTrinhXuLy=pa.list_(DISTRICT_STEP), DanhSachHoSoBoSung=pa.list_(DISTRICT_SUPPLEMENT),
    PhieuXinLoi=pa.list_(DISTRICT_APOLOGY), DanhGiaHaiLong=struct(MucDoHaiLong=N, NgayDanhGia=S),
)
DISTRICT_OFFERING = struct(MaDonVi=S, MucDo=N, TuNgay=S, DenNgay=S)
DISTRICT_PROCEDURE = struct(MaTTHC=S, TenTTHC=S, MaLinhVuc=S, TenLinhVuc=S, MucDo=N, ThoiHanGiaiQuyet=N,
                            CapThucHien=S, CoPhiLePhi=N, DonViThucHien=pa.list_(DISTRICT_OFFERING), NgayCapNhat=S)
DISTRICT_UNIT = struct(MaDonVi=S, TenDonVi=S, MaDVHC=S, CapDonVi=S, MaDVHCCha=S, NgayCapNhat=S)

WARD_SUPPLEMENT = struct(seq=N, requested_at=S, resumed_at=S, old_due_at=S, new_due_at=S, reason=S)
WARD_APOLOGY = struct(seq=N, issued_at=S, reason=S, old_due_at=S, new_due_at=S)
WARD_DOSSIER = struct(
    id=S, procedure_code=S, field_code=S, unit_code=S, channel=S, online_level=S, submitted_at=S, received_at=S,
    due_at=S, finished_at=S, returned_at=S, status=S, return_method=S, postal_delivered=B,
    applicant=struct(type=S, full_name=S, id_number=S, phone=S, email=S),
    has_digitised_inputs=B, result_digitised=B, paid_online=B, fee_amount=N, fee_paid_online_amount=N,
    supplements=pa.list_(WARD_SUPPLEMENT), apologies=pa.list_(WARD_APOLOGY), updated_at=S,
)
WARD_EVENT = struct(event_id=S, dossier_id=S, status=S, occurred_at=S, actor_role=S, note=S, updated_at=S)
WARD_RATING = struct(rating_id=S, dossier_id=S, satisfaction=S, rated_at=S, updated_at=S)
WARD_OFFERING = struct(unit_code=S, online_level=S, valid_from=S, valid_to=S)
WARD_PROCEDURE = struct(code=S, name=S, field_code=S, field_name=S, online_level=S, duration_working_days=N,
                        has_fee=B, offered_by=pa.list_(WARD_OFFERING), updated_at=S)
WARD_UNIT = struct(code=S, name=S, type=S, district_code=S, province_code=S, valid_from=S, valid_to=S,
                   updated_at=S)

DMS_RECIPIENT = struct(OrganId=S, OrganName=S)
DMS_SIGNATURE = struct(SignatureId=S, SignerName=S, Position=S, SignatureType=S, CertificateSerial=S,
                       CertificateIssuer=S, IssuerType=S, SigningTime=S, SignatureAlgorithm=S, SignatureValue=S,
                       CertificateChain=S)
DMS_DOCUMENT = struct(
    DocId=S, OrganId=S, OrganName=S, CodeNumber=S, CodeNotation=S, TypeName=S, IssuedDate=S, Subject=S,
    Priority=N, Direction=S, IsElectronic=B, SentViaAxis=B, ContentHash=S, Recipients=pa.list_(DMS_RECIPIENT),
    Signatures=pa.list_(DMS_SIGNATURE), ModifiedDate=S,
)
DMS_CERTIFICATE = struct(Serial=S, SubjectName=S, SubjectType=S, OrganId=S, Issuer=S, IssuerType=S, IssuedAt=S,
                         ValidFrom=S, ValidTo=S, Status=S, RevokedAt=S, ModifiedDate=S)
DMS_ORGAN = struct(OrganId=S, OrganName=S, UnitCode=S, UnitLevel=S, ModifiedDate=S)
