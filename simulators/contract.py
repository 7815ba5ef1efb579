"""The seam between the simulated world (data) and the HTTP layer (vendor APIs and faults).

The world generates every source record vectorised inside DuckDB and exposes, for each endpoint,
one *serving table* already in the vendor's wire format, sorted by the endpoint's cursor:

    serve_<system>__<entity>(
        _rownum BIGINT,     -- 1..n in (_cursor, _key) order; new versions are appended at n+1
        _key    VARCHAR,    -- the record's primary key
        _cursor TIMESTAMP,  -- last-update time (Vietnam local, naive) as of the world clock
        _json   VARCHAR     -- the record as the vendor serialises it (nested lists included)
    )

The HTTP layer only filters by `_cursor`, slices by `_rownum`, concatenates `_json` and applies
faults; it never needs to know how the data was generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import duckdb

from cchc.settings import SourceSystem


@dataclass(frozen=True)
class Endpoint:
    """One list endpoint of a source system."""

    system: SourceSystem
    entity: str  # serving-table suffix and landing entity name
    path: str  # URL path
    key: str  # primary-key field in the JSON record
    cursor_field: str  # last-update field in the JSON record

    @property
    def table(self) -> str:
        return f"serve_{self.system.value}__{self.entity}"


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(SourceSystem.DISTRICT, "dossiers", "/api/v1/hoso", "MaHoSo", "NgayCapNhat"),
    Endpoint(SourceSystem.DISTRICT, "procedures", "/api/v1/thutuc", "MaTTHC", "NgayCapNhat"),
    Endpoint(SourceSystem.DISTRICT, "units", "/api/v1/donvi", "MaDonVi", "NgayCapNhat"),
    Endpoint(SourceSystem.WARD, "dossiers", "/v2/dossiers", "id", "updated_at"),
    Endpoint(SourceSystem.WARD, "dossier_events", "/v2/dossier-events", "event_id", "updated_at"),
    Endpoint(SourceSystem.WARD, "ratings", "/v2/ratings", "rating_id", "updated_at"),
    Endpoint(SourceSystem.WARD, "procedures", "/v2/procedures", "code", "updated_at"),
    Endpoint(SourceSystem.WARD, "units", "/v2/units", "code", "updated_at"),
    Endpoint(SourceSystem.DMS, "documents", "/dms/api/documents", "DocId", "ModifiedDate"),
    Endpoint(SourceSystem.DMS, "certificates", "/dms/api/certificates", "Serial", "ModifiedDate"),
    Endpoint(SourceSystem.DMS, "organs", "/dms/api/organs", "OrganId", "ModifiedDate"),
)


def endpoints_of(system: SourceSystem) -> tuple[Endpoint, ...]:
    return tuple(e for e in ENDPOINTS if e.system is system)


class World(Protocol):
    """What the HTTP layer needs from a generated world."""

    con: duckdb.DuckDBPyConnection  # holds every serve_* table; use con.cursor() per thread
    as_of: datetime  # the simulated clock (Vietnam local, naive)

    def set_as_of(self, as_of: datetime) -> None:
        """Move the clock (forward or back) and rebuild every serving table as of that time."""
