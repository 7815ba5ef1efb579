"""Window + slice access to one serving table, and the 'record changed mid-paging' fault.

Serving tables are sorted by (_cursor, _key) with a dense `_rownum`. When a record changes while a
client pages, the vendor's database moves it to the end (new last-update time): we delete its row
and append it at max(_rownum) + 1, which keeps the table sorted. The deleted positions ("holes")
are remembered so that an offset still addresses the n-th *existing* row of the window, exactly as
a real `ORDER BY updated LIMIT/OFFSET` would after the update — records shift, clients skip one.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import orjson

from simulators.contract import Endpoint

_FAR_PAST = datetime(1900, 1, 1)
_FAR_FUTURE = datetime(2200, 1, 1)


@dataclass(frozen=True)
class Window:
    lo: int  # first rownum of the window (inclusive)
    hi: int  # last rownum of the window (inclusive); hi < lo when empty
    total: int


@dataclass
class ServingTable:
    endpoint: Endpoint
    holes: list[int] = field(default_factory=list)  # sorted rownums deleted by mutations
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.holes = []

    def window(self, cur: duckdb.DuckDBPyConnection, start: datetime | None, end: datetime | None) -> Window:
        lo, hi, total = cur.execute(
            f"select min(_rownum), max(_rownum), count(*) from {self.endpoint.table} "
            "where _cursor >= ? and _cursor < ?",
            [start or _FAR_PAST, end or _FAR_FUTURE],
        ).fetchone()
        return Window(0, -1, 0) if total == 0 else Window(lo, hi, total)

    def _holes_between(self, low: int, high: int) -> int:
        return bisect.bisect_right(self.holes, high) - bisect.bisect_left(self.holes, low)

    def nth_existing(self, lo: int, k: int) -> int:
        """Rownum of the (k+1)-th existing row at or after `lo`."""
        candidate = lo + k
        while True:
            missing = self._holes_between(lo, candidate)
            target = lo + k + missing
            if target == candidate:
                return candidate
            candidate = target

    def rows(self, cur: duckdb.DuckDBPyConnection, first: int, hi: int, limit: int) -> list[tuple[int, str]]:
        """Up to `limit` existing rows with rownum in [first, hi], in order."""
        if first > hi:
            return []
        last = min(hi, self.nth_existing(first, limit - 1))  # the limit-th existing row, holes skipped
        return cur.execute(
            f"select _rownum, _json from {self.endpoint.table} where _rownum between ? and ? order by _rownum",
            [first, last],
        ).fetchall()[:limit]

    def body(self, cur: duckdb.DuckDBPyConnection, first: int, hi: int, limit: int) -> tuple[bytes, int | None]:
        """Fast path: the same rows as `rows`, already comma-joined and UTF-8 encoded by DuckDB.

        Returns (records, last rownum or None when empty)."""
        if first > hi:
            return b"", None
        last = min(hi, self.nth_existing(first, limit - 1))  # the limit-th existing row, holes skipped
        body, top = cur.execute(
            f"select encode(string_agg(_json, ',' order by _rownum)), max(_rownum) from "
            f"(select _rownum, _json from {self.endpoint.table} where _rownum between ? and ? "
            f"order by _rownum limit ?)",
            [first, last, limit],
        ).fetchone()
        return (body or b""), top

    def mutate_one(self, cur: duckdb.DuckDBPyConnection, after: int, hi: int, pick: int, as_of: datetime,
                   format_cursor) -> str | None:
        """Move one not-yet-served record of the window to the end with a new last-update time."""
        with self.lock:
            if after >= hi:
                return None
            rownum = self.nth_existing(after + 1, pick % max(1, hi - after - self._holes_between(after + 1, hi)))
            row = cur.execute(
                f"select _key, _json from {self.endpoint.table} where _rownum = ?", [rownum]
            ).fetchone()
            if row is None or rownum > hi:
                return None
            key, text = row
            top_rownum, top_cursor = cur.execute(
                f"select max(_rownum), max(_cursor) from {self.endpoint.table}"
            ).fetchone()
            new_cursor = max(top_cursor, as_of) + timedelta(seconds=1)
            record = orjson.loads(text)
            record[self.endpoint.cursor_field] = format_cursor(new_cursor)
            cur.execute(f"delete from {self.endpoint.table} where _rownum = ?", [rownum])
            cur.execute(
                f"insert into {self.endpoint.table} (_rownum, _key, _cursor, _json) values (?, ?, ?, ?)",
                [top_rownum + 1, key, new_cursor, orjson.dumps(record).decode()],
            )
            bisect.insort(self.holes, rownum)
            return key
