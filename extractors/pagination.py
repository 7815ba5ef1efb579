"""One class per paging style, owning both sides of it: the request parameters and the response envelope.

A source declares its style with its own parameter and field names (extractors/sources.py), as dlt's
paginators do. A paging object reads the envelope (`envelope_fields`, `read_envelope`), says which
request comes next, and where a stopped window resumes (`Resume`: the next page's position, or the
cursor token of the last landed page). Fetching (with retries) and parsing are given to it as
`fetch(params) -> Page`.
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


@dataclass(frozen=True)
class Resume:
    """Where paging of a window goes on: the index of the next page, or the token the last page gave."""

    index: int = 0
    cursor: str | None = None

    def as_dict(self) -> dict:
        return {"index": self.index, "cursor": self.cursor}


Fetch = Callable[[dict], Page]


@dataclass(frozen=True)
class PageNumberPaging:
    """Page number + size, with a total. District: `trang` (1-based) / `soLuong`, total `tongSo`.
    Pages after the first are fetched ahead concurrently."""

    page_param: str
    size_param: str
    total_field: str
    first_page: int = 1
    by_position = True  # pages address rows by position: an update while paging can shift one past

    @property
    def envelope_fields(self) -> list[tuple[str, pa.DataType]]:
        return [(self.total_field, pa.int64())]

    def read_envelope(self, values: dict) -> tuple[int | None, str | None]:
        """(reported total, next cursor) from the envelope's fields."""
        return values.get(self.total_field), None

    def params(self, index: int, size: int) -> dict:
        return {self.page_param: index + self.first_page, self.size_param: size}

    def pages(self, fetch: Fetch, size: int, prefetch: int, start: Resume | None = None) -> Iterator[tuple[Page, Resume]]:
        """Each page with where paging resumes after it."""
        index = start.index if start else 0
        first = fetch(self.params(index, size))
        yield first, Resume(index + 1)
        count = -(-(first.total or 0) // size)
        following = range(index + 1, count)
        for i, page in zip(following, _ahead(fetch, [self.params(i, size) for i in following], prefetch),
                           strict=True):
            yield page, Resume(i + 1)


@dataclass(frozen=True)
class OffsetPaging(PageNumberPaging):
    """Row offset + limit, with a total. DMS: `offset` (0-based) / `limit`, total `total`."""

    def params(self, index: int, size: int) -> dict:
        return {self.page_param: index * size, self.size_param: size}


@dataclass(frozen=True)
class CursorPaging:
    """Opaque token. Ward: `cursor` / `limit`, token in `next_cursor` (null on the last page); no total,
    strictly sequential. A token continues after the last row served, so nothing is stepped over."""

    cursor_param: str
    size_param: str
    next_field: str
    by_position = False

    @property
    def envelope_fields(self) -> list[tuple[str, pa.DataType]]:
        return [(self.next_field, pa.string())]

    def read_envelope(self, values: dict) -> tuple[int | None, str | None]:
        return None, values.get(self.next_field)

    def pages(self, fetch: Fetch, size: int, prefetch: int, start: Resume | None = None) -> Iterator[tuple[Page, Resume]]:
        cursor = start.cursor if start else None
        while True:
            page = fetch({self.size_param: size, **({self.cursor_param: cursor} if cursor else {})})
            cursor = page.next_cursor
            yield page, Resume(cursor=cursor)
            if not cursor:
                return


Paging = PageNumberPaging | OffsetPaging | CursorPaging


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
