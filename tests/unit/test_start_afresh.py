"""A full refresh starts from new candidate files (warehouse.build.start_afresh): a file rebuilt in place
keeps the size it once had, and publish copies the candidate whole into every release."""

from __future__ import annotations

import duckdb

from warehouse import release_file
from warehouse.build import create_candidate, start_afresh, work_path


def test_a_full_refresh_starts_from_new_files_in_the_release_format(tmp_path):
    candidate = tmp_path / "candidate.duckdb"
    create_candidate(candidate)
    con = duckdb.connect(str(candidate))
    con.execute("create schema marts")
    con.execute("create table marts.filler as select i, repeat('x', 200) as pad from range(200000) as t(i)")
    con.execute("checkpoint")
    con.execute("drop table marts.filler")
    con.execute("checkpoint")
    con.close()
    inflated = candidate.stat().st_size
    duckdb.connect(str(work_path(candidate))).close()
    (tmp_path / "candidate.duckdb.wal").write_bytes(b"left by a killed build")
    (tmp_path / "candidate.work.duckdb.wal").write_bytes(b"left by a killed build")

    start_afresh(candidate)

    assert candidate.stat().st_size < inflated / 4  # the freed blocks are gone with the old file
    assert not work_path(candidate).exists()
    assert not (tmp_path / "candidate.duckdb.wal").exists() and not (tmp_path / "candidate.work.duckdb.wal").exists()
    con = duckdb.connect()
    con.execute(f"attach '{candidate}' as c (read_only)")
    assert con.execute("select count(*) from duckdb_tables() where database_name = 'c'").fetchone()[0] == 0
    con.close()
    assert release_file.copyable(candidate, "marts") is False  # no marts yet, but …
    con = duckdb.connect(str(candidate))
    con.execute("create schema marts")
    con.execute("create table marts.t as select 1 as x")
    con.close()
    assert release_file.copyable(candidate, "marts")  # … the file is in the release format a byte copy needs
