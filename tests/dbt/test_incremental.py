"""An incremental build equals a full refresh after new batches land: every mart, table by table, and the
incremental staging and intermediate tables (delete+insert by key, issue 19)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import duckdb

from cchc.settings import Settings, SourceSystem
from extractors.run import extract_system
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse import release_file
from warehouse.build import build_candidate, work_path
from warehouse.compare import compare_marts

AS_OF = "2024-05-01"
LATER = "2024-07-15"


def test_incremental_run_matches_full_refresh(tmp_path):
    settings = replace(Settings(), data_dir=tmp_path, pii_key="k")
    with running_simulators(WorldConfig(dossiers=3000, seed=21)) as cluster:
        end = cluster.world.as_of
        cluster.move_clock(datetime(2024, 4, 15))
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
        first = build_candidate(settings, full_refresh=True, as_of_date=AS_OF)
        before = duckdb.connect(str(first.candidate), read_only=True)
        rows_before = before.execute("select count(*) from marts.fct_dossier").fetchone()[0]
        before.close()
        cluster.move_clock(end)
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    # a later as-of date: still-open dossiers are judged again, not only the changed ones
    incremental = build_candidate(settings, full_refresh=False, as_of_date=LATER)
    full = build_candidate(settings, full_refresh=True, as_of_date=LATER, candidate=tmp_path / "full.duckdb")
    con = duckdb.connect()
    con.execute(f"attach '{incremental.candidate}' as inc (read_only)")
    con.execute(f"attach '{full.candidate}' as fr (read_only)")
    con.execute(f"attach '{work_path(incremental.candidate)}' as inc_work (read_only)")
    con.execute(f"attach '{work_path(full.candidate)}' as fr_work (read_only)")
    rows = con.execute("select count(*) from inc.marts.fct_dossier").fetchone()[0]
    assert rows > rows_before  # the second batch really added dossiers
    assert rows == con.execute("select count(*) from fr.marts.fct_dossier").fetchone()[0]
    for a, b in (("inc", "fr"), ("fr", "inc")):
        diff = con.execute(f"select count(*) from (select * from {a}.marts.fct_dossier "
                           f"except select * from {b}.marts.fct_dossier)").fetchone()[0]
        assert diff == 0, f"{a} has {diff} rows that {b} has not"
    assert compare_marts(incremental.candidate, full.candidate) == {}
    # what publish copies byte for byte: the marts only (staging, intermediate, seeds are in the work file),
    # in the release storage format
    assert {s for (s,) in con.execute("select distinct schema_name from duckdb_tables() "
                                      "where database_name = 'inc'").fetchall()} == {"marts"}
    assert con.execute("select count(*) from duckdb_views() where database_name = 'inc' and not internal").fetchone()[0] == 0
    release_file.open_for_writing(tmp_path / "probe.duckdb").close()
    con.execute(f"attach '{tmp_path / 'probe.duckdb'}' as probe (read_only)")
    con.execute(f"attach '{tmp_path / 'default.duckdb'}' as default_format")
    tags = dict(con.execute("select database_name, tags['storage_version'] from duckdb_databases()").fetchall())
    assert tags["inc"] == tags["probe"] != tags["default_format"]
    tables = _incremental_tables(con, "inc_work")
    assert ("staging", "stg_ward_one_stop__dossier_events") in tables and ("intermediate", "int_dossier_sla") in tables
    for schema, table in tables:
        for a, b in (("inc", "fr"), ("fr", "inc")):
            diff = con.execute(f"select count(*) from (select * from {a}_work.{schema}.{table} "
                               f"except all select * from {b}_work.{schema}.{table})").fetchone()[0]
            assert diff == 0, f"{schema}.{table}: {a} has {diff} rows that {b} has not"


def _incremental_tables(con, catalog: str) -> list[tuple[str, str]]:
    return con.execute("select schema_name, table_name from duckdb_tables() where database_name = ? "
                       "and schema_name in ('staging', 'intermediate') order by 1, 2", [catalog]).fetchall()

