"""The hand-written reference's comparison with the dbt marts: equal tables pass, one changed figure fails.
(That the reference equals a real dbt build is asserted by the bench's reference stage, run by
tests/bench/test_bench.py on a tiny landing zone.)"""

from __future__ import annotations

import duckdb

from bench.reference import COMPARED, compare, statements


def _write(path, schema: str) -> None:
    con = duckdb.connect(str(path))
    con.execute(f"create schema if not exists {schema}")
    for table, columns in COMPARED.items():
        first = ", ".join(f"'{i}'::varchar as {c}" for i, c in enumerate(columns))
        second = first.replace("'0'", "'x'")  # the first column (the unit or the dossier) is 'x'
        con.execute(f"create table {schema}.{table} as select {first} union all select {second}")
    con.close()


def test_compare_finds_one_changed_figure(tmp_path):
    reference, candidate = tmp_path / "reference.duckdb", tmp_path / "candidate.duckdb"
    _write(reference, "main")
    _write(candidate, "marts")
    assert compare(reference, candidate) == {}
    con = duckdb.connect(str(candidate))
    con.execute("update marts.rpt_dossier_period set resolved_late = 'changed' where unit_code = 'x'")
    con.execute("alter table marts.fct_dossier add column not_compared varchar default 'ignored'")
    con.close()
    assert compare(reference, candidate) == {"rpt_dossier_period": 2}


def test_statements_fill_in_the_landing_zone_and_the_date(tmp_path):
    sql = statements(tmp_path / "landing", "2024-07-01")
    assert all("{landing}" not in s and "{as_of}" not in s for s in sql)
    assert any(f"'{tmp_path}/landing/district_one_stop/dossiers/batch=*/part-*.parquet'" in s for s in sql)
    assert any("'2024-07-01'::date" in s for s in sql)
    assert any(s.startswith("create temp table rpt_dossier_period") for s in sql)
