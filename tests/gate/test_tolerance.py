"""A `mostly` tolerance is judged over the whole table, not per chunk (issue 15, item 4): one bad code
in 20,000 rows passes at mostly=0.999 whether the rows arrive as one chunk or as 40 of 500."""

from __future__ import annotations

import duckdb
import pytest

from expectations.framework import Severity, Suite
from expectations.runner import audit


def _candidate(path, bad: int, rows: int = 20_000, missing_due: int = 0) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(f"create table marts.t as select i, case when i < {bad} then 9 else 1 + i % 3 end as code, "
                "timestamp '2024-01-01' + to_days(i % 30) as received_at, "
                f"case when i < {missing_due} then null when i < {missing_due} + {bad} "
                "then timestamp '2023-01-01' else timestamp '2024-03-01' end as due_at "
                f"from range({rows}) r(i)")
    con.close()


def _suites(chunk_rows: int) -> list[Suite]:
    import great_expectations.expectations as gxe

    return [Suite("codes", Severity.FAIL, "marts.t", "select code, received_at, due_at from marts.t order by i",
                  lambda: [gxe.ExpectColumnValuesToBeInSet(column="code", value_set=[1, 2, 3], mostly=0.999),
                           gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                               column_A="due_at", column_B="received_at", or_equal=True,
                               ignore_row_if="either_value_is_missing", mostly=0.999)],
                  chunk_rows=chunk_rows)]


@pytest.mark.parametrize("chunk_rows", [20_000, 500])
@pytest.mark.parametrize(("bad", "passes"), [(1, True), (20, True), (21, False), (400, False)])
def test_tolerance_does_not_depend_on_chunking(tmp_path, chunk_rows, bad, passes):
    candidate = tmp_path / "c.duckdb"
    _candidate(candidate, bad)
    result = audit(candidate, tmp_path / "landing", _suites(chunk_rows))
    assert {c.expectation: c.success for c in result.results} == {
        "expect_column_values_to_be_in_set": passes, "expect_column_pair_values_a_to_be_greater_than_b": passes}
    codes = next(c for c in result.results if c.column == "code")
    assert (codes.unexpected_count, codes.element_count) == (bad, 20_000)


@pytest.mark.parametrize(("bad", "passes"), [(10, True), (11, False)])
def test_missing_values_are_left_out_of_the_share_as_gx_does(tmp_path, bad, passes):
    """10,000 missing due dates: the tolerance is over the 10,000 non-missing pairs, so 11 bad ones
    (0.11 %) fail although they are only 0.055 % of all rows."""
    candidate = tmp_path / "c.duckdb"
    _candidate(candidate, bad, missing_due=10_000)
    result = audit(candidate, tmp_path / "landing", _suites(500))
    pair = next(c for c in result.results if c.expectation.startswith("expect_column_pair"))
    assert (pair.success, pair.unexpected_count, pair.missing_count) == (passes, bad, 10_000)
