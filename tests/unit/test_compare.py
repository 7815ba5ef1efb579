"""warehouse.compare: mart files compared as multisets, by fingerprint first, row by row where they differ."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.compare import compare_marts

ROWS = [(1, "x", 2.5), (2, "y", None), (2, "y", None)]


def _file(path, rows, *, extra_batch=False):
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.fct (id int, code varchar, amount double, source_batch_id int)")
    con.executemany("insert into marts.fct values (?, ?, ?, ?)",
                    [(*row, i + (100 if extra_batch else 0)) for i, row in enumerate(rows)])
    con.close()
    return path


def test_same_rows_in_another_order_are_identical(tmp_path):
    left = _file(tmp_path / "l.duckdb", ROWS)
    right = _file(tmp_path / "r.duckdb", list(reversed(ROWS)))
    assert compare_marts(left, right, ignore_lineage=True) == {}


@pytest.mark.parametrize("rows, gap", [
    ([(1, "x", 2.5), (2, "y", None), (2, "y", 0.0)], 2),  # one cell: a null became 0
    ([(1, "y", 2.5), (2, "x", None), (2, "y", None)], 4),  # two values swapped between rows
    ([(1, "x", 2.5), (2, "y", None)], 1),  # a repeated row kept once: multisets, not sets
])
def test_a_difference_is_found_and_counted(tmp_path, rows, gap):
    left = _file(tmp_path / "l.duckdb", ROWS)
    right = _file(tmp_path / "r.duckdb", rows)
    assert compare_marts(left, right, ignore_lineage=True) == {"fct": gap}


def test_lineage_columns_count_unless_ignored(tmp_path):
    left = _file(tmp_path / "l.duckdb", ROWS)
    right = _file(tmp_path / "r.duckdb", ROWS, extra_batch=True)
    assert compare_marts(left, right) == {"fct": 6}
    assert compare_marts(left, right, ignore_lineage=True, config={"memory_limit": "1GB"}) == {}
