"""A page holds `limit` existing rows however the deleted ones ("holes", records moved to the end by the
`mutate_between_pages` fault) are spread: as `ORDER BY … LIMIT/OFFSET` does. With two holes in a page's
extended range, pages used to come back one row short and the next offset stepped over that row."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb

from simulators.http.paging import ServingTable


def _table(deleted: list[int]) -> tuple[ServingTable, duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("create table t as select i as _rownum, 'k' || i as _key, '{\"n\":' || i || '}' as _json "
                "from range(1, 21) r(i)")
    con.execute(f"delete from t where _rownum in ({', '.join(map(str, deleted))})")
    table = ServingTable(SimpleNamespace(table="t"))
    table.holes = sorted(deleted)
    return table, con


def test_a_page_holds_limit_existing_rows_with_holes_beyond_its_plain_range():
    table, con = _table([3, 6])  # rows 1..5 hold one hole; the row that replaces it (6) is a hole too
    rows = table.rows(con, 1, 20, 5)
    assert [r for r, _ in rows] == [1, 2, 4, 5, 7]
    body, last = table.body(con, 1, 20, 5)
    assert body.decode().count('"n"') == 5 and last == 7
    assert table.nth_existing(1, 5) == 8  # the next page (offset 5) starts right after: nothing stepped over
