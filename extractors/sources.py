"""The three source systems as declarations: endpoints, key, cursor field, paging style, auth.

One obvious home for each source's specifics; the machinery (HTTP, paging, landing) is shared.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import pyarrow as pa

from cchc.clock import VN_TZ
from cchc.pii import PiiKind
from cchc.settings import SourceCredentials, SourceSystem
from extractors import schemas
from extractors.pagination import CursorPaging, OffsetPaging, PageNumberPaging, Paging


class CursorFormat(StrEnum):
    COMPACT = "compact"  # yyyyMMddHHmmss, Vietnam local time
    ISO = "iso"  # ISO-8601 with offset

    def parse(self, value: str) -> datetime:
        if self is CursorFormat.COMPACT:
            return datetime.strptime(value, "%Y%m%d%H%M%S")
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(VN_TZ).replace(tzinfo=None) if parsed.tzinfo else parsed

    def format(self, value: datetime) -> str:
        if self is CursorFormat.COMPACT:
            return value.strftime("%Y%m%d%H%M%S")
        return value.replace(tzinfo=VN_TZ).isoformat()


class Plausibility(StrEnum):
    """Values that type-check but cannot be true; their records are quarantined with the reason."""

    EVENT_TIME = "event_time"  # something that happened: from 2000-01-01 to the window's end + 1 day
    DUE_TIME = "due_time"  # a promised date: from 2000-01-01 to the window's end + 5 years
    NON_NEGATIVE = "non_negative"  # a duration or count


# A plausibility floor chosen by this project, not a legal rule: no electronic one-stop or e-document
# record in scope predates 2000, and the floor catches placeholder dates (1900-01-01, 0001-01-01).
EARLIEST = datetime(2000, 1, 1)


@dataclass(frozen=True)
class Child:
    """A nested list landed as its own entity, keyed to the parent."""

    entity: str
    list_field: str
    parent_key_as: str
    inherit: tuple[str, ...] = ()  # parent fields copied onto every child row
    verify_signatures: bool = False  # digital signatures verified before landing (extractors/signatures.py)


@dataclass(frozen=True)
class Endpoint:
    entity: str
    path: str
    key: str
    cursor_field: str
    record: pa.StructType
    children: tuple[Child, ...] = ()
    pii: dict[str, PiiKind] = field(default_factory=dict)  # flattened column -> kind
    plausible: dict[str, Plausibility] = field(default_factory=dict)  # top-level field -> rule


@dataclass(frozen=True)
class Source:
    system: SourceSystem
    paging: Paging  # the style, with this source's parameter and envelope field names
    max_page_size: int
    records_field: str  # where the records sit in the envelope
    window_params: tuple[str, str]  # names of the [start, end) filters
    cursor_format: CursorFormat
    endpoints: tuple[Endpoint, ...]

    def endpoint(self, entity: str) -> Endpoint:
        for e in self.endpoints:
            if e.entity == entity:
                return e
        known = ", ".join(e.entity for e in self.endpoints)
        raise ValueError(f"{self.system.value} has no entity {entity!r}; known: {known}")

    def auth_headers(self, credentials: SourceCredentials) -> dict[str, str]:
        if self.system is SourceSystem.DISTRICT:
            return {"Authorization": f"Bearer {credentials.district_token}"}
        if self.system is SourceSystem.WARD:
            return {"X-API-Key": credentials.ward_api_key}
        token = base64.b64encode(f"{credentials.dms_user}:{credentials.dms_password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def window_query(self, start: datetime, end: datetime) -> dict[str, str]:
        return {self.window_params[0]: self.cursor_format.format(start),
                self.window_params[1]: self.cursor_format.format(end)}


DISTRICT_PII = {"ChuHoSo": PiiKind.NAME, "SoGiayToChuHoSo": PiiKind.ID_NUMBER, "SoDienThoai": PiiKind.PHONE,
                "Email": PiiKind.EMAIL}
WARD_PII = {"applicant__full_name": PiiKind.NAME, "applicant__id_number": PiiKind.ID_NUMBER,
            "applicant__phone": PiiKind.PHONE, "applicant__email": PiiKind.EMAIL}

DISTRICT = Source(
    SourceSystem.DISTRICT, PageNumberPaging("trang", "soLuong", "tongSo"), 5000, "duLieu", ("tuNgay", "denNgay"), CursorFormat.COMPACT, (
        Endpoint("dossiers", "/api/v1/hoso", "MaHoSo", "NgayCapNhat", schemas.DISTRICT_DOSSIER, (
            Child("processing_steps", "QuaTrinhXuLy", "MaHoSo"),
            Child("supplement_requests", "DanhSachHoSoBoSung", "MaHoSo"),
            Child("apology_letters", "PhieuXinLoi", "MaHoSo"),
        ), DISTRICT_PII, {**dict.fromkeys(("NgayNopHoSo", "NgayTiepNhan", "NgayKetThucXuLy", "NgayTra"),
                                          Plausibility.EVENT_TIME), "NgayHenTra": Plausibility.DUE_TIME}),
        Endpoint("procedures", "/api/v1/thutuc", "MaTTHC", "NgayCapNhat", schemas.DISTRICT_PROCEDURE, (
            Child("procedure_offerings", "DonViThucHien", "MaTTHC"),
        ), plausible={"ThoiHanGiaiQuyet": Plausibility.NON_NEGATIVE}),
        Endpoint("units", "/api/v1/donvi", "MaDonVi", "NgayCapNhat", schemas.DISTRICT_UNIT),
    ))

WARD = Source(
    SourceSystem.WARD, CursorPaging("cursor", "limit", "next_cursor"), 5000, "data", ("updated_after", "updated_before"), CursorFormat.ISO, (
        Endpoint("dossiers", "/v2/dossiers", "id", "updated_at", schemas.WARD_DOSSIER, (
            Child("supplement_requests", "supplements", "dossier_id"),
            Child("apology_letters", "apologies", "dossier_id"),
        ), WARD_PII, {**dict.fromkeys(("submitted_at", "received_at", "finished_at", "returned_at"),
                                      Plausibility.EVENT_TIME), "due_at": Plausibility.DUE_TIME}),
        Endpoint("dossier_events", "/v2/dossier-events", "event_id", "updated_at", schemas.WARD_EVENT,
                 plausible={"occurred_at": Plausibility.EVENT_TIME}),
        Endpoint("ratings", "/v2/ratings", "rating_id", "updated_at", schemas.WARD_RATING,
                 plausible={"rated_at": Plausibility.EVENT_TIME}),
        Endpoint("procedures", "/v2/procedures", "code", "updated_at", schemas.WARD_PROCEDURE, (
            Child("procedure_offerings", "offered_by", "procedure_code"),
        ), plausible={"duration_working_days": Plausibility.NON_NEGATIVE}),
        Endpoint("units", "/v2/units", "code", "updated_at", schemas.WARD_UNIT),
    ))

DMS = Source(
    SourceSystem.DMS, OffsetPaging("offset", "limit", "total"), 2000, "items", ("modifiedSince", "modifiedUntil"), CursorFormat.ISO, (
        Endpoint("documents", "/dms/api/documents", "DocId", "ModifiedDate", schemas.DMS_DOCUMENT, (
            Child("document_recipients", "Recipients", "DocId"),
            Child("document_signatures", "Signatures", "DocId", inherit=("ContentHash",), verify_signatures=True),
        ), plausible={"IssuedDate": Plausibility.EVENT_TIME}),
        Endpoint("certificates", "/dms/api/certificates", "Serial", "ModifiedDate", schemas.DMS_CERTIFICATE),
        Endpoint("organs", "/dms/api/organs", "OrganId", "ModifiedDate", schemas.DMS_ORGAN),
    ))

SOURCES: dict[SourceSystem, Source] = {s.system: s for s in (DISTRICT, WARD, DMS)}


def family_of(system: SourceSystem, entity: str) -> Endpoint:
    """The endpoint that lands `entity`: itself, or the parent whose nested list it is."""
    for endpoint in SOURCES[system].endpoints:
        if endpoint.entity == entity or any(c.entity == entity for c in endpoint.children):
            return endpoint
    raise ValueError(f"{system.value} lands no entity {entity!r}")


def landed_columns(system: SourceSystem, entity: str) -> dict[str, str]:
    """The declared columns of a landed entity with their Arrow types (the schema contract of its files)."""
    endpoint = family_of(system, entity)
    if endpoint.entity == entity:
        lists = {c.list_field for c in endpoint.children}
        columns: dict[str, str] = {}
        for f in endpoint.record:
            if f.name in lists:
                continue
            if pa.types.is_struct(f.type):
                columns.update({f"{f.name}__{sub.name}": str(sub.type) for sub in f.type})
            else:
                columns[f.name] = str(f.type)
        return columns
    child = next(c for c in endpoint.children if c.entity == entity)
    item = endpoint.record.field(child.list_field).type.value_type
    columns = {f.name: str(f.type) for f in item}
    columns[child.parent_key_as] = str(endpoint.record.field(endpoint.key).type)
    columns.update({name: str(endpoint.record.field(name).type) for name in child.inherit})
    return columns


def declared_landing() -> dict[tuple[str, str], dict[str, str]]:
    """Every landed (system, entity) → its declared columns."""
    out = {}
    for system, source in SOURCES.items():
        for endpoint in source.endpoints:
            for entity in (endpoint.entity, *(c.entity for c in endpoint.children)):
                out[(system.value, entity)] = landed_columns(system, entity)
    return out
