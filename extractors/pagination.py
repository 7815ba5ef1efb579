"""One small class per paging style. Each yields parsed pages in order.

A paginator only decides which request comes next; fetching (with retries) and parsing are given
to it as `fetch(params) -> Page`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa


@dataclass
class Page:
    records: pa.Table  # declared columns (+ inferred extras), one row per record
    quarantined: list[tuple[str | None, str, str]]  # (key, reason, raw JSON) rejected while parsing
    total: int | None = None  # the source's reported total, when it has one
    next_cursor: str | None = None

    @property
    def fetched(self) -> int:
        return self.records.num_rows + len(self.quarantined)


Fetch = Callable[[dict], Page]


class PageNumberPaginator:
    """`trang`/`soLuong` with a total. Response: {"trang": 1, "soLuong": 500, "tongSo": 1234,
    "tongSoTrang": 3, "duLieu": [...]}. Pages after the first are fetched ahead concurrently."""

    def __init__(self, size: int, prefetch: int) -> None:
        self.size, self.prefetch = size, prefetch

    def params(self, index: int) -> dict:
        return {"trang": index + 1, "soLuong": self.size}

    def pages(self, fetch: Fetch) -> Iterator[Page]:
        first = fetch(self.params(0))
        yield first
        count = -(-(first.total or 0) // self.size)
        yield from _ahead(fetch, [self.params(i) for i in range(1, count)], self.prefetch)


class OffsetPaginator(PageNumberPaginator):
    """`offset`/`limit` with a total. Response: {"total": 1234, "offset": 0, "limit": 200, "items": [...]}."""

    def params(self, index: int) -> dict:
        return {"offset": index * self.size, "limit": self.size}


class CursorPaginator:
    """Opaque token. Response: {"data": [...], "next_cursor": "eyJyIjo1MDB9" | null}; strictly sequential."""

    def __init__(self, size: int) -> None:
        self.size = size

    def pages(self, fetch: Fetch) -> Iterator[Page]:
        cursor: str | None = None
        while True:
            page = fetch({"limit": self.size, **({"cursor": cursor} if cursor else {})})
            yield page
            cursor = page.next_cursor
            if not cursor:
                return


def _ahead(fetch: Fetch, params: list[dict], depth: int) -> Iterator[Page]:
    """Fetch in order with at most `depth` requests in flight (memory stays bounded)."""
    if not params:
        return
    with ThreadPoolExecutor(max_workers=max(1, depth)) as pool:
        pending: deque = deque()
        queue = iter(params)
        for p in queue:
            pending.append(pool.submit(fetch, p))
            if len(pending) >= depth:
                break
        while pending:
            page = pending.popleft().result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(pool.submit(fetch, nxt))
            yield page
