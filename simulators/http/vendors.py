"""The three vendors' API styles: authentication, query parameters, envelopes, value formats.

Everything vendor-specific lives here; server.py is vendor-neutral.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import orjson

from cchc.settings import SourceCredentials, SourceSystem

VN_TZ = timezone(timedelta(hours=7))


class BadRequest(ValueError):
    """A client error the API reports as 400 naming the parameter."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class PageRequest:
    """Either an offset into the window (page-number and offset styles) or a resume token."""

    limit: int
    offset: int = 0
    after_rownum: int | None = None
    generation: int | None = None


@dataclass(frozen=True)
class Malformation:
    """How one vendor's records can be malformed: bad dates, unknown codes, wrong types."""

    date_fields: tuple[str, ...]
    bad_date: str
    enum_fields: dict[str, object]
    wrong_type_fields: dict[str, object]


def _int_param(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(name, f"{name} must be an integer, got {raw!r}") from exc
    if not low <= value <= high:
        raise BadRequest(name, f"{name} must be between {low} and {high}, got {value}")
    return value


def _iso_param(query: dict[str, str], name: str) -> datetime | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(name, f"{name} must be ISO-8601 (e.g. 2024-01-05T08:30:00+07:00), got {raw!r}") from exc
    return value.astimezone(VN_TZ).replace(tzinfo=None) if value.tzinfo else value


class Vendor(ABC):
    system: SourceSystem
    extra_field: str
    malformation: Malformation

    def __init__(self, credentials: SourceCredentials) -> None:
        self.credentials = credentials

    @abstractmethod
    def authorised(self, headers) -> bool: ...

    @abstractmethod
    def window(self, query: dict[str, str]) -> tuple[datetime | None, datetime | None]: ...

    @abstractmethod
    def page(self, query: dict[str, str]) -> PageRequest: ...

    @abstractmethod
    def envelope(self, records: bytes, total: int, request: PageRequest, next_token: str | None) -> bytes:
        """Wrap comma-joined JSON records (bytes) in the vendor's envelope."""

    @abstractmethod
    def format_cursor(self, value: datetime) -> str: ...


def _join(records: bytes) -> bytes:
    return b"[" + records + b"]"


class DistrictVendor(Vendor):
    """National-portal sync style: bearer token, `trang`/`soLuong`, total count, yyyyMMddHHmmss."""

    system = SourceSystem.DISTRICT
    extra_field = "MaBuuCucTiepNhan"
    malformation = Malformation(
        date_fields=("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy"),
        bad_date="2024-13-45 25:61",
        enum_fields={"KenhThucHien": 9, "TrangThaiHoSo": 42, "MucDo": 7},
        wrong_type_fields={"KenhThucHien": "truc tuyen"},
    )
    _format = "%Y%m%d%H%M%S"

    def authorised(self, headers) -> bool:
        given = headers.get("Authorization", "")
        return hmac.compare_digest(given, f"Bearer {self.credentials.district_token}")

    def _date(self, query: dict[str, str], name: str) -> datetime | None:
        raw = query.get(name)
        if raw is None:
            return None
        try:
            return datetime.strptime(raw, self._format)
        except ValueError as exc:
            raise BadRequest(name, f"{name} must be yyyyMMddHHmmss, got {raw!r}") from exc

    def window(self, query):
        return self._date(query, "tuNgay"), self._date(query, "denNgay")

    def page(self, query):
        size = _int_param(query, "soLuong", 500, 1, 5000)
        number = _int_param(query, "trang", 1, 1, 10**9)
        return PageRequest(limit=size, offset=(number - 1) * size)

    def envelope(self, records, total, request, next_token):
        pages = -(-total // request.limit)
        head = {"trang": request.offset // request.limit + 1, "soLuong": request.limit, "tongSo": total, "tongSoTrang": pages}
        return orjson.dumps(head)[:-1] + b',"duLieu":' + _join(records) + b"}"

    def format_cursor(self, value):
        return value.strftime(self._format)


class WardVendor(Vendor):
    """Second vendor: X-API-Key, `limit` + opaque `cursor`, ISO-8601 with offset, no total."""

    system = SourceSystem.WARD
    extra_field = "sla_policy_version"
    malformation = Malformation(
        date_fields=("received_at", "due_at", "finished_at"),
        bad_date="31/02/2024 08:00",
        enum_fields={"channel": "fax", "status": "archived", "online_level": "level9"},
        wrong_type_fields={"paid_online": "maybe"},
    )

    def authorised(self, headers) -> bool:
        return hmac.compare_digest(headers.get("X-API-Key", ""), self.credentials.ward_api_key)

    def window(self, query):
        return _iso_param(query, "updated_after"), _iso_param(query, "updated_before")

    def page(self, query):
        limit = _int_param(query, "limit", 500, 1, 5000)
        token = query.get("cursor")
        if token is None:
            return PageRequest(limit=limit)
        try:
            state = orjson.loads(base64.urlsafe_b64decode(token.encode()))
            return PageRequest(limit=limit, after_rownum=int(state["r"]), generation=int(state["g"]))
        except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
            raise BadRequest("cursor", "cursor is not a token this API issued") from exc

    @staticmethod
    def token(last_rownum: int, generation: int) -> str:
        return base64.urlsafe_b64encode(orjson.dumps({"r": last_rownum, "g": generation})).decode()

    def envelope(self, records, total, request, next_token):
        cursor = b"null" if next_token is None else orjson.dumps(next_token)
        return b'{"data":' + _join(records) + b',"next_cursor":' + cursor + b"}"

    def format_cursor(self, value):
        return value.replace(tzinfo=VN_TZ).isoformat()


class DmsVendor(Vendor):
    """Document management system: HTTP Basic, `offset`/`limit`, total, ISO-8601 with offset."""

    system = SourceSystem.DMS
    extra_field = "SecurityClassification"
    malformation = Malformation(
        date_fields=("IssuedDate", "SigningTime", "ValidFrom"),
        bad_date="2024-02-30",
        enum_fields={"Direction": "sideways", "SubjectType": "robot", "UnitLevel": "galaxy"},
        wrong_type_fields={"IsElectronic": "yes please", "Priority": "urgent!"},
    )

    def authorised(self, headers) -> bool:
        raw = headers.get("Authorization", "")
        expected = base64.b64encode(f"{self.credentials.dms_user}:{self.credentials.dms_password}".encode()).decode()
        return hmac.compare_digest(raw, f"Basic {expected}")

    def window(self, query):
        return _iso_param(query, "modifiedSince"), _iso_param(query, "modifiedUntil")

    def page(self, query):
        limit = _int_param(query, "limit", 200, 1, 2000)
        return PageRequest(limit=limit, offset=_int_param(query, "offset", 0, 0, 10**12))

    def envelope(self, records, total, request, next_token):
        head = {"total": total, "offset": request.offset, "limit": request.limit}
        return orjson.dumps(head)[:-1] + b',"items":' + _join(records) + b"}"

    def format_cursor(self, value):
        return value.replace(tzinfo=VN_TZ).isoformat()


VENDORS: dict[SourceSystem, type[Vendor]] = {
    SourceSystem.DISTRICT: DistrictVendor,
    SourceSystem.WARD: WardVendor,
    SourceSystem.DMS: DmsVendor,
}
