"""`python -m bench.keys` on a tiny candidate: every statement is timed by both keys, the delete is rolled
back (the scratch copy is the same for every run), and the key's collision count is reported."""

from __future__ import annotations

import duckdb

from bench import keys


def _candidate(path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.fct_dossier as select 'D-' || i as dossier_id from range(200) as t(i)")
    con.execute("create table marts.fct_dossier_event as select 'D-' || (i % 200) as dossier_id, "
                "timestamp '2024-07-01' + to_minutes(i) as occurred_at from range(1000) as t(i)")
    con.close()


def test_both_keys_find_the_same_rows_and_the_candidate_is_untouched(tmp_path):
    candidate = tmp_path / "candidate.duckdb"
    _candidate(candidate)
    report = keys.run(candidate, changed=20, repeat=1, memory_limit="500MB")
    assert report["event_rows"] == 1000
    assert report["distinct_keys"] == report["distinct_dossier_ids"] == 200
    for statement in keys.STATEMENTS:
        assert report[statement]["string_s"] > 0 and report[statement]["integer_s"] > 0
        assert len(report[statement]["runs"]["string"]) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["candidate.duckdb"]  # the scratch file is gone


def test_the_statements_match_as_many_rows_by_either_key(tmp_path):
    candidate, scratch = tmp_path / "candidate.duckdb", tmp_path / "scratch.duckdb"
    _candidate(candidate)
    keys.prepare(candidate, scratch, changed=20)
    con = duckdb.connect(str(scratch))
    counts = {key: con.execute(keys.STATEMENTS["semi_join"].format(col=col)).fetchone()[0]
              for key, col in keys.COLUMNS.items()}
    con.close()
    assert counts["string"] == counts["integer"] == 100  # 20 dossiers × 5 events each
    keys.time_one(scratch, "delete", "string", "500MB")
    con = duckdb.connect(str(scratch), read_only=True)
    assert con.execute("select count(*) from e").fetchone()[0] == 1000  # rolled back
    con.close()
