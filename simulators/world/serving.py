"""SQL that turns the world's lifecycle tables into each vendor's records as of the world clock.

One statement per endpoint builds `serve_<system>__<entity>` (see simulators/contract.py): the
record in wire format, its key and cursor, sorted with a dense `_rownum`. Only what has happened
by `as_of` is visible: later events, dates, ratings and apologies are not there yet.
"""

from __future__ import annotations

import csv
from datetime import datetime

import duckdb

from cchc.clock import ISO_LOCAL
from cchc.settings import REPO_ROOT
from simulators.contract import ENDPOINTS

VN = "'%Y%m%d%H%M%S'"
ISO = f"'{ISO_LOCAL}'"

_ORDER_BY_CURSOR = """
create or replace table {table} as
select row_number() over (order by _cursor, _key) as _rownum, _key, _cursor, _json
from ({body}) order by _cursor, _key
"""


def _v(col: str, fmt: str = VN) -> str:
    """Format a timestamp column only when it has happened by the clock."""
    return f"case when {col} <= $as_of then strftime({col}, {fmt}) end"


_DOSSIER_STATE = """
    select d.*,
           ev.status as status_now, ev.last_at,
           case when d.res2 <= $as_of then d.due when d.res1 <= $as_of then d.due1 else d.due0 end as due_now,
           greatest(ev.last_at, case when d.rated_at <= $as_of then d.rated_at end,
                    case when d.apology_at <= $as_of then d.apology_at end) as cursor_now
    from w_dossier d
    join (select dossier_idx, max(event_at) as last_at, arg_max(status, event_at) as status
          from w_event where event_at <= $as_of group by all) ev on ev.dossier_idx = d.idx
    where d.system = '{system}'
"""

DISTRICT_DOSSIERS = """
with state as ({state}),
steps as (
    select dossier_idx, list(struct_pack(
        MaBuoc := seq, NguoiXuLy := actor, ChucDanh := actor_title, PhongBanXuLy := department,
        NoiDungXuLy := note, TrangThai := status, ThoiDiemXuLy := strftime(event_at, {vn}),
        NgayBatDau := strftime(event_at, {vn}), NgayKetThucTheoQuyDinh := strftime(due_at, {vn})
    ) order by event_at, seq) as steps
    from w_event where event_at <= $as_of and system = 'district' group by all
)
select s.dossier_id as _key, s.cursor_now as _cursor, to_json(struct_pack(
    MaHoSo := s.dossier_id, MaTTHC := p.code, TenTTHC := p.name, MaLinhVuc := p.field_code,
    TenLinhVuc := p.field_name, MaDonVi := s.vendor_unit, KenhThucHien := s.channel, MucDo := p.online_level,
    NgayNopHoSo := strftime(s.submitted, {vn}), NgayTiepNhan := {received},
    NgayHenTra := case when s.received <= $as_of then strftime(s.due_now + interval 17 hour, {vn}) end,
    NgayKetThucXuLy := {finish}, NgayTra := {returned}, TrangThaiHoSo := s.status_now,
    HinhThucTra := s.return_method,
    TrangThaiTraBuuDien := case when s.return_method = 2 then
        case when s.returned <= $as_of and s.postal_delivered then 1 else 0 end end,
    LoaiDoiTuong := s.applicant_type, ChuHoSo := s.applicant_name, SoGiayToChuHoSo := s.applicant_id,
    SoDienThoai := s.phone, Email := s.email, HoSoCoThanhPhanSoHoa := s.has_digitised_inputs::int,
    DaSoHoaKetQua := case when s.finish <= $as_of then s.result_digitised::int else 0 end,
    DuocThanhToanTrucTuyen := s.paid_online, {district_fees}
    NgayCapNhat := strftime(s.cursor_now, {vn}),
    QuaTrinhXuLy := coalesce(st.steps, []),
    DanhSachHoSoBoSung := list_filter([
        case when s.req1 <= $as_of then struct_pack(MaBoSung := s.dossier_id || '-BS1',
            NoiDungBoSung := 'Bổ sung giấy tờ chứng minh', NgayYeuCauBoSung := strftime(s.req1, {vn}),
            NgayTiepNhanBoSung := {res1}, TrangThaiBoSung := case when s.res1 <= $as_of then 2 else 1 end,
            NgayHenTraTruoc := strftime(s.due0 + interval 17 hour, {vn}),
            NgayHenTraMoi := case when s.res1 <= $as_of then strftime(s.due1 + interval 17 hour, {vn}) end) end,
        case when s.req2 <= $as_of then struct_pack(MaBoSung := s.dossier_id || '-BS2',
            NoiDungBoSung := 'Bổ sung bản sao có chứng thực', NgayYeuCauBoSung := strftime(s.req2, {vn}),
            NgayTiepNhanBoSung := {res2}, TrangThaiBoSung := case when s.res2 <= $as_of then 2 else 1 end,
            NgayHenTraTruoc := strftime(s.due1 + interval 17 hour, {vn}),
            NgayHenTraMoi := case when s.res2 <= $as_of then strftime(s.due + interval 17 hour, {vn}) end) end
    ], lambda x: x is not null),
    PhieuXinLoi := case when s.apology_at <= $as_of then [struct_pack(MaPhieu := s.dossier_id || '-XL1',
        NgayXinLoi := strftime(s.apology_at, {vn}), LyDo := 'Hồ sơ cần xác minh thêm, quá thời hạn giải quyết',
        NgayHenTraCu := strftime(s.due + interval 17 hour, {vn}),
        NgayHenTraMoi := strftime(s.apology_new_due + interval 17 hour, {vn}))] else [] end,
    DanhGiaHaiLong := case when s.rated_at <= $as_of then struct_pack(MucDoHaiLong := s.rating,
        NgayDanhGia := strftime(s.rated_at, {vn})) end
)) as _json
from state s join w_procedure p on p.idx = s.proc_idx left join steps st on st.dossier_idx = s.idx
"""

# the world keeps national status codes; the ward vendor serves them as strings, by the same seed dbt reads
WARD_STATUS_CODES = REPO_ROOT / "dbt_project" / "seeds" / "ward_status_codes.csv"


def ward_status(col: str) -> str:
    """SQL: the national code in `col` as the ward vendor's status string (null for a code it has not)."""
    with WARD_STATUS_CODES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return "case " + col + "".join(f" when {int(r['status_code'])} then '{r['ward_status']}'" for r in rows) + " end"

WARD_DOSSIERS = """
with state as ({state})
select s.dossier_id as _key, s.cursor_now as _cursor, to_json(struct_pack(
    id := s.dossier_id, procedure_code := p.code, field_code := p.field_code, unit_code := s.unit_code,
    channel := case s.channel when 1 then 'direct' when 2 then 'online' else 'postal' end,
    online_level := case p.online_level when 2 then 'info' when 3 then 'partial' else 'full' end,
    submitted_at := strftime(s.submitted, {iso}), received_at := {received_iso},
    due_at := case when s.received <= $as_of then strftime(s.due_now + interval 17 hour, {iso}) end,
    finished_at := {finish_iso}, returned_at := {returned_iso}, status := {status},
    return_method := case s.return_method when 1 then 'counter' when 2 then 'postal' else 'online' end,
    postal_delivered := case when s.return_method = 2 then s.returned <= $as_of and s.postal_delivered end,
    applicant := struct_pack(
        type := case s.applicant_type when 1 then 'citizen' when 2 then 'business' when 3 then 'agency' else 'other' end,
        full_name := s.applicant_name, id_number := s.applicant_id, phone := '+84' || s.phone[2:], email := s.email),
    has_digitised_inputs := s.has_digitised_inputs, result_digitised := s.finish <= $as_of and s.result_digitised,
    paid_online := s.paid_online > 0, {ward_fees}
    supplements := list_filter([
        case when s.req1 <= $as_of then struct_pack(seq := 1, requested_at := strftime(s.req1, {iso}),
            resumed_at := {res1_iso}, old_due_at := strftime(s.due0 + interval 17 hour, {iso}),
            new_due_at := case when s.res1 <= $as_of then strftime(s.due1 + interval 17 hour, {iso}) end,
            reason := 'missing_document') end,
        case when s.req2 <= $as_of then struct_pack(seq := 2, requested_at := strftime(s.req2, {iso}),
            resumed_at := {res2_iso}, old_due_at := strftime(s.due1 + interval 17 hour, {iso}),
            new_due_at := case when s.res2 <= $as_of then strftime(s.due + interval 17 hour, {iso}) end,
            reason := 'certified_copy_required') end
    ], lambda x: x is not null),
    apologies := case when s.apology_at <= $as_of then [struct_pack(seq := 1,
        issued_at := strftime(s.apology_at, {iso}), reason := 'verification_needed',
        old_due_at := strftime(s.due + interval 17 hour, {iso}),
        new_due_at := strftime(s.apology_new_due + interval 17 hour, {iso}))] else [] end,
    updated_at := strftime(s.cursor_now, {iso})
)) as _json
from state s join w_procedure p on p.idx = s.proc_idx
"""

WARD_EVENTS = """
select e.dossier_id || '-E' || lpad(e.seq::varchar, 2, '0') as _key, e.event_at as _cursor, to_json(struct_pack(
    event_id := e.dossier_id || '-E' || lpad(e.seq::varchar, 2, '0'), dossier_id := e.dossier_id,
    status := {status}, occurred_at := strftime(e.event_at, {iso}), actor_role := e.actor_title, note := e.note,
    updated_at := strftime(e.event_at, {iso}))) as _json
from w_event e where e.system = 'ward' and e.event_at <= $as_of
"""

WARD_RATINGS = """
select 'RT-' || d.dossier_id as _key, d.rated_at as _cursor, to_json(struct_pack(
    rating_id := 'RT-' || d.dossier_id, dossier_id := d.dossier_id,
    satisfaction := case d.rating when 1 then 'very_satisfied' when 2 then 'satisfied' when 3 then 'neutral'
                    else 'dissatisfied' end,
    rated_at := strftime(d.rated_at, {iso}), updated_at := strftime(d.rated_at, {iso}))) as _json
from w_dossier d where d.system = 'ward' and d.rated_at <= $as_of
"""

# Which units offer a procedure, at which online level, from and until which day (inclusive): known by
# the clock once it starts; an end shows once it has passed. A change moves the procedure's update time.
_OFFERINGS = """
with offered as (
    select o.proc_idx, u.vendor_code, u.code, o.online_level, o.valid_from,
           case when o.valid_to + interval 1 day <= $as_of then o.valid_to end as valid_to
    from w_offering o join w_unit u on u.code = o.unit_code and u.level {levels}
    where o.valid_from <= $as_of
)
select proc_idx, greatest($catalogue_at, max(valid_from), max(valid_to + interval 1 day)) as changed_at,
    list({item} order by vendor_code, valid_from) as offered
from offered group by proc_idx
"""

DISTRICT_PROCEDURES = """
with offered as ({offerings})
select code as _key, coalesce(o.changed_at, $catalogue_at) as _cursor, to_json(struct_pack(MaTTHC := code,
    TenTTHC := name, MaLinhVuc := field_code, TenLinhVuc := field_name, MucDo := p.online_level,
    ThoiHanGiaiQuyet := duration, CapThucHien := level, CoPhiLePhi := has_fee::int,
    DonViThucHien := coalesce(o.offered, []),
    NgayCapNhat := strftime(coalesce(o.changed_at, $catalogue_at), {vn}))) as _json
from w_procedure p left join offered o on o.proc_idx = p.idx
"""

WARD_PROCEDURES = """
with offered as ({offerings})
select code as _key, coalesce(o.changed_at, $catalogue_at) as _cursor, to_json(struct_pack(code := code,
    name := name, field_code := field_code, field_name := field_name,
    online_level := case p.online_level when 2 then 'info' when 3 then 'partial' else 'full' end,
    duration_working_days := duration, has_fee := has_fee, offered_by := coalesce(o.offered, []),
    updated_at := strftime(coalesce(o.changed_at, $catalogue_at), {iso}))) as _json
from w_procedure p left join offered o on o.proc_idx = p.idx where p.level = 'xa'
"""

_LEVEL_NAME = "case online_level when 2 then 'info' when 3 then 'partial' else 'full' end"
_DISTRICT_OFFERING = ("struct_pack(MaDonVi := vendor_code, MucDo := online_level, "
                      "TuNgay := strftime(valid_from, '%Y%m%d'), DenNgay := strftime(valid_to, '%Y%m%d'))")
_WARD_OFFERING = (f"struct_pack(unit_code := code, online_level := {_LEVEL_NAME}, "
                  "valid_from := strftime(valid_from, '%Y-%m-%d'), valid_to := strftime(valid_to, '%Y-%m-%d'))")

DISTRICT_UNITS = """
select vendor_code as _key, $catalogue_at as _cursor, to_json(struct_pack(MaDonVi := vendor_code,
    TenDonVi := name, MaDVHC := code, CapDonVi := level, MaDVHCCha := parent_code,
    NgayCapNhat := strftime($catalogue_at, {vn}))) as _json
from w_unit where level in ('tinh', 'huyen')
"""

WARD_UNITS = """
select code as _key, $catalogue_at as _cursor, to_json(struct_pack(code := code, name := name, type := ward_type,
    district_code := parent_code, province_code := province_code, valid_from := valid_from,
    valid_to := valid_to, updated_at := strftime($catalogue_at, {iso}))) as _json
from w_unit where level = 'xa'
"""

DOCUMENTS = """
with sig as (
    select s.doc_idx, list(struct_pack(SignatureId := d.doc_id || '-S' || s.ordinal, SignerName := c.subject_name,
        Position := case when s.kind = 'personal' then c.position else 'Cơ quan' end, SignatureType := s.kind,
        CertificateSerial := s.cert, CertificateIssuer := c.issuer, IssuerType := c.issuer_type,
        SigningTime := strftime(s.event_at, {iso}), SignatureAlgorithm := 'ecdsa-with-SHA256',
        SignatureValue := s.signature_value, CertificateChain := c.chain_pem) order by s.ordinal) as signatures
    from w_signature s join w_document d on d.doc_idx = s.doc_idx left join w_certificate c on c.serial = s.cert
    group by all
), rec as (
    select r.doc_idx, list(struct_pack(OrganId := o.organ_id, OrganName := o.organ_name) order by r.ordinal) as recipients
    from w_recipient r join w_organ o on o.organ_idx = r.organ_idx group by all
)
select d.doc_id as _key, d.modified as _cursor, to_json(struct_pack(DocId := d.doc_id, OrganId := o.organ_id,
    OrganName := o.organ_name, CodeNumber := d.number::varchar, CodeNotation := d.notation, TypeName := d.type_name,
    IssuedDate := strftime(d.issued, '%Y-%m-%d'), Subject := d.subject, Priority := d.priority,
    Direction := case when d.outgoing then 'outgoing' else 'incoming' end, IsElectronic := d.electronic,
    SentViaAxis := d.axis, ContentHash := d.content_hash, Recipients := coalesce(rec.recipients, []),
    Signatures := coalesce(sig.signatures, []), ModifiedDate := strftime(d.modified, {iso}))) as _json
from w_document d join w_organ o on o.organ_idx = d.organ_idx
left join sig on sig.doc_idx = d.doc_idx left join rec on rec.doc_idx = d.doc_idx
where d.modified <= $as_of
"""

CERTIFICATES = """
select c.serial as _key, greatest(c.issued, case when c.revoked_at <= $as_of then c.revoked_at end) as _cursor,
    to_json(struct_pack(Serial := c.serial, SubjectName := c.subject_name, SubjectType := c.kind,
    OrganId := o.organ_id, Issuer := c.issuer, IssuerType := c.issuer_type, IssuedAt := strftime(c.issued, {iso}),
    ValidFrom := strftime(c.valid_from, {iso}), ValidTo := strftime(c.valid_to, {iso}),
    Status := case when c.revoked_at <= $as_of then 'revoked' else 'issued' end,
    RevokedAt := case when c.revoked_at <= $as_of then strftime(c.revoked_at, {iso}) end,
    ModifiedDate := strftime(greatest(c.issued, case when c.revoked_at <= $as_of then c.revoked_at end), {iso})
    )) as _json
from w_certificate c join w_organ o on o.organ_idx = c.organ_idx where c.issued <= $as_of and c.registered
"""

ORGANS = """
select organ_id as _key, $catalogue_at as _cursor, to_json(struct_pack(OrganId := organ_id, OrganName := organ_name,
    UnitCode := unit_code, UnitLevel := unit_level, ModifiedDate := strftime($catalogue_at, {iso}))) as _json
from w_organ
"""


# Fees and charges (phí, lệ phí) of a fee-bearing procedure, in VND, and what was paid online. The
# vendors send the dossier's totals (the national sync format itemises them in DanhSachLePhi[]).
_FEE = "case when p.has_fee then case when p.level = 'huyen' then 100000 else 20000 end end"
_PAID_ONLINE = f"case when p.has_fee then case when s.paid_online > 0 then {_FEE} else 0 end end"


def _fill(sql: str, system: str = "district") -> str:
    return sql.format(
        state=_DOSSIER_STATE.format(system=system), vn=VN, iso=ISO,
        received=_v("s.received"), finish=_v("s.finish"), returned=_v("s.returned"),
        res1=_v("s.res1"), res2=_v("s.res2"),
        received_iso=_v("s.received", ISO), finish_iso=_v("s.finish", ISO), returned_iso=_v("s.returned", ISO),
        res1_iso=_v("s.res1", ISO), res2_iso=_v("s.res2", ISO),
        status=ward_status("s.status_now" if "state" in sql else "e.status"),
        district_fees=f"TongTienLePhi := {_FEE}, SoTienThanhToanTrucTuyen := {_PAID_ONLINE},",
        ward_fees=f"fee_amount := {_FEE}, fee_paid_online_amount := {_PAID_ONLINE},",
        offerings=_OFFERINGS.format(levels="in ('tinh', 'huyen')" if system == "district" else "= 'xa'",
                                    item=_DISTRICT_OFFERING if system == "district" else _WARD_OFFERING),
    )


BODIES = {
    "serve_district_one_stop__dossiers": _fill(DISTRICT_DOSSIERS, "district"),
    "serve_district_one_stop__procedures": _fill(DISTRICT_PROCEDURES, "district"),
    "serve_district_one_stop__units": _fill(DISTRICT_UNITS),
    "serve_ward_one_stop__dossiers": _fill(WARD_DOSSIERS, "ward"),
    "serve_ward_one_stop__dossier_events": _fill(WARD_EVENTS),
    "serve_ward_one_stop__ratings": _fill(WARD_RATINGS),
    "serve_ward_one_stop__procedures": _fill(WARD_PROCEDURES, "ward"),
    "serve_ward_one_stop__units": _fill(WARD_UNITS),
    "serve_dms__documents": _fill(DOCUMENTS),
    "serve_dms__certificates": _fill(CERTIFICATES),
    "serve_dms__organs": _fill(ORGANS),
}
assert set(BODIES) == {e.table for e in ENDPOINTS}


def rebuild(con: duckdb.DuckDBPyConnection, as_of: datetime, catalogue_at: datetime) -> None:
    """(Re)build every serving table as of the clock."""
    for table, body in BODIES.items():
        params = {k: v for k, v in (("as_of", as_of), ("catalogue_at", catalogue_at)) if f"${k}" in body}
        con.execute(_ORDER_BY_CURSOR.format(table=table, body=body), params)
