"""Paginators on canned pages: which requests they make and when they stop."""

import pyarrow as pa

from extractors.pagination import CursorPaginator, OffsetPaginator, Page, PageNumberPaginator


def canned(total: int, size: int, cursor_style: bool = False):
    calls = []

    def fetch(params):
        calls.append(params)
        if cursor_style:
            n = int(params.get("cursor") or 0)
            return Page(pa.table({"k": list(range(n, min(total, n + size)))}), [],
                        next_cursor=str(n + size) if n + size < total else None)
        index = params.get("trang", 1) - 1 if "trang" in params else params["offset"] // size
        rows = list(range(index * size, min(total, (index + 1) * size)))
        return Page(pa.table({"k": rows}), [], total=total)

    return fetch, calls


def keys(pages):
    return [k for p in pages for k in p.records["k"].to_pylist()]


def test_page_number_requests_every_page_once_in_order():
    fetch, calls = canned(2345, 1000)
    assert keys(PageNumberPaginator(1000, prefetch=2).pages(fetch)) == list(range(2345))
    assert sorted(c["trang"] for c in calls) == [1, 2, 3]


def test_offset_and_empty_result():
    fetch, calls = canned(450, 200)
    assert keys(OffsetPaginator(200, prefetch=3).pages(fetch)) == list(range(450))
    assert sorted(c["offset"] for c in calls) == [0, 200, 400]
    fetch, calls = canned(0, 200)
    assert keys(OffsetPaginator(200, prefetch=2).pages(fetch)) == [] and len(calls) == 1


def test_cursor_follows_tokens_until_null():
    fetch, calls = canned(1001, 500, cursor_style=True)
    assert keys(CursorPaginator(500).pages(fetch)) == list(range(1001))
    assert [c.get("cursor") for c in calls] == [None, "500", "1000"]
