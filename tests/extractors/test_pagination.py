"""Paging styles on canned pages: which requests they make, when they stop, where they resume."""

import pyarrow as pa

from extractors.pagination import CursorPaging, OffsetPaging, Page, PageNumberPaging, Resume

PAGE_NUMBER = PageNumberPaging("trang", "soLuong", "tongSo")
OFFSET = OffsetPaging("offset", "limit", "total")
CURSOR = CursorPaging("cursor", "limit", "next_cursor")


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
    return [k for p, _ in pages for k in p.records["k"].to_pylist()]


def test_page_number_requests_every_page_once_in_order():
    fetch, calls = canned(2345, 1000)
    assert keys(PAGE_NUMBER.pages(fetch, 1000, 2)) == list(range(2345))
    assert sorted(c["trang"] for c in calls) == [1, 2, 3]


def test_offset_and_empty_result():
    fetch, calls = canned(450, 200)
    assert keys(OFFSET.pages(fetch, 200, 3)) == list(range(450))
    assert sorted(c["offset"] for c in calls) == [0, 200, 400]
    fetch, calls = canned(0, 200)
    assert keys(OFFSET.pages(fetch, 200, 2)) == [] and len(calls) == 1


def test_cursor_follows_tokens_until_null():
    fetch, calls = canned(1001, 500, cursor_style=True)
    assert keys(CURSOR.pages(fetch, 500, 1)) == list(range(1001))
    assert [c.get("cursor") for c in calls] == [None, "500", "1000"]


def test_each_page_says_where_paging_resumes_and_a_resumed_window_starts_there():
    fetch, calls = canned(2345, 1000)
    assert [r for _, r in PAGE_NUMBER.pages(fetch, 1000, 2)] == [Resume(1), Resume(2), Resume(3)]
    fetch, calls = canned(2345, 1000)
    assert keys(PAGE_NUMBER.pages(fetch, 1000, 2, Resume(2))) == list(range(2000, 2345))
    assert [c["trang"] for c in calls] == [3]
    fetch, calls = canned(1001, 500, cursor_style=True)
    assert [r.cursor for _, r in CURSOR.pages(fetch, 500, 1)] == ["500", "1000", None]
    fetch, calls = canned(1001, 500, cursor_style=True)
    assert keys(CURSOR.pages(fetch, 500, 1, Resume(cursor="1000"))) == [1000]
    assert [c.get("cursor") for c in calls] == ["1000"]
