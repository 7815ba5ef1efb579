"""A tiny world satisfying simulators.contract.World, for testing the HTTP layer in isolation.

Each record is born at a time; the serving tables hold the records born by `as_of`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import orjson
import pyarrow as pa

from cchc.settings import SourceCredentials
from simulators.contract import ENDPOINTS
from simulators.http.vendors import VENDORS

SCHEMA = [("_rownum", pa.int64()), ("_key", pa.string()), ("_cursor", pa.timestamp("us")), ("_json", pa.string())]


class FakeWorld:
    def __init__(self, records_per_endpoint: int = 1234, start: datetime = datetime(2024, 1, 1),
                 as_of: datetime | None = None) -> None:
        self.con = duckdb.connect()
        self.start = start
        self.n = records_per_endpoint
        self.as_of = as_of or start + timedelta(minutes=records_per_endpoint + 10)
        self.set_as_of(self.as_of)

    def set_as_of(self, as_of: datetime) -> None:
        self.as_of = as_of
        for endpoint in ENDPOINTS:
            vendor = VENDORS[endpoint.system](SourceCredentials())
            rows = []
            for i in range(self.n):
                cursor = self.start + timedelta(minutes=i)
                if cursor > as_of:
                    break
                key = f"{endpoint.entity}-{i:06d}"
                record = {endpoint.key: key, endpoint.cursor_field: vendor.format_cursor(cursor), "value": i}
                rows.append((i + 1, key, cursor, orjson.dumps(record).decode()))
            columns = list(zip(*rows, strict=True)) if rows else [[]] * 4
            frame = pa.table({name: pa.array(col, kind) for (name, kind), col in zip(SCHEMA, columns, strict=True)})
            self.con.register("frame", frame)
            self.con.execute(f"create or replace table {endpoint.table} as select * from frame")
            self.con.unregister("frame")
