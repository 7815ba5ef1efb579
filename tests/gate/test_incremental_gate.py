"""The gate scales with the change (issue 19, item 3): after a published audit, row-level suites judge only
the rows that changed and combine their counts with the stored totals — with the same outcome, check by
check, as a full audit of the same candidate and landing zone: when nothing fails, when a new batch brings
one failing row, and when the changed rows alone are within a `mostly` tolerance that the whole table is
not (docs/gate.md, "The gate scales with the change")."""

from __future__ import annotations

import json

import duckdb

from bench.landing import land_next_day
from cchc.landing_layout import MANIFEST, batch_dir, list_batches, read_latest
from expectations.store import latest_basis
from extractors.landing import checksum
from warehouse.build import build_candidate
from warehouse.pipeline import audit_candidate
from warehouse.publish import gate, publish

ROW_LEVEL = {"landing_dossier_keys_unique_per_batch", "landing_district_domains", "landing_ward_domains", "landing_signature_types",
             "fct_dossier_due_after_receipt"}


def outcomes(result) -> dict[tuple, tuple]:
    return {(c.suite, c.expectation, c.column): (c.success, c.unexpected_count, c.element_count, c.missing_count)
            for c in result.results}


def full_and_incremental(settings, candidate):
    full = audit_candidate(settings, candidate, full=True)
    incremental = audit_candidate(settings, candidate)
    assert {s for s, mode in full.basis["modes"].items() if mode == "incremental"} == set()
    assert {s for s, mode in incremental.basis["modes"].items() if mode == "incremental"} == ROW_LEVEL
    assert outcomes(incremental) == outcomes(full)
    return full, incremental


def land_batch(landing, system: str, entity: str, batch_id: str, sql: str) -> None:
    """A complete batch of `sql`'s rows, with its manifest, as the extractors land one."""
    con = duckdb.connect()
    template = json.loads((list_batches(landing, system, entity)[0] / MANIFEST).read_text())
    batch = batch_dir(landing, system, entity, batch_id)
    batch.mkdir(parents=True)
    part = batch / "part-00000.parquet"
    con.execute(f"copy ({sql}) to '{part}' (format parquet)")
    rows = con.execute(f"select count(*) from '{part}'").fetchone()[0]
    start, end = batch_id.split("_")
    manifest = {**template, "batch_id": batch_id, "window": {"start": start, "end": end}, "parts": [part.name],
                "checksum": {part.name: checksum(part)}, "schema_drift": {},
                "counts": {"fetched": rows, "written": rows, "quarantined": 0, "duplicates_dropped": 0},
                "children": {}}  # the dossiers re-sent alone: no child rows declared
    (batch / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False))


def _break_deadlines(candidate, count: int) -> None:
    """Deadlines before receipt for the first `count` dossiers by id (a fail-severity tolerance's worth)."""
    con = duckdb.connect(str(candidate))
    con.execute("update marts.fct_dossier set due_at = received_at - interval 1 day where dossier_id in "
                "(select dossier_id from marts.fct_dossier where received_at is not null and due_at is not null "
                f"order by dossier_id limit {count})")
    con.close()


def pair_check(result):
    return next(c for c in result.results if c.suite == "fct_dossier_due_after_receipt")


def test_incremental_audit_judges_as_the_full_audit(fresh):
    settings, candidate = fresh
    con = duckdb.connect(str(candidate))
    rows = con.execute("select count(*) from marts.fct_dossier where received_at is not null "
                       "and due_at is not null").fetchone()[0]
    tolerated = int(rows * 0.001)  # deadlines before receipt within the 0.1 % tolerance; one more is not
    assert rows > 2400 and (rows - tolerated) / rows >= 0.999 > (rows - tolerated - 1) / rows
    con.close()
    # the base already holds as many deadlines before receipt as tolerated (the first dossiers by id)
    _break_deadlines(candidate, tolerated)
    assert latest_basis(settings.data_dir / "audits") is None
    first = audit_candidate(settings, candidate)  # no basis yet: in full
    assert first.passed and set(first.basis["modes"].values()) == {"full"}
    publish(settings, candidate, gate(settings, first))

    # 1. the next day lands (~10 % of dossiers re-sent, a few new) and is built: nothing fails, either way
    assert land_next_day(settings.landing_dir, share=0.1) > 100
    build_candidate(settings, full_refresh=False, as_of_date="2030-01-01", candidate=candidate)
    _break_deadlines(candidate, tolerated)  # the build re-wrote some of them: as many as tolerated again
    full, incremental = full_and_incremental(settings, candidate)
    assert full.passed and incremental.passed
    publish(settings, candidate, gate(settings, incremental))  # the next basis is an incremental audit's

    # 2. 1,200 facts change and one more deadline falls before receipt: 1 in 1,200 changed rows is within
    # the tolerance, one more than tolerated in the whole table is not
    con = duckdb.connect(str(candidate))
    con.execute("update marts.fct_dossier set received_at = received_at + interval 1 minute, "
                "due_at = due_at + interval 1 minute where dossier_id in (select dossier_id from marts.fct_dossier "
                "where received_at is not null and due_at >= received_at order by dossier_id desc limit 1200)")
    con.execute("update marts.fct_dossier set due_at = received_at - interval 1 hour where dossier_id = "
                "(select max(dossier_id) from marts.fct_dossier where received_at is not null and due_at >= "
                "received_at)")  # the last of the 1,200
    con.close()
    full, incremental = full_and_incremental(settings, candidate)
    assert not pair_check(full).success and pair_check(full).unexpected_count == tolerated + 1
    assert {c.suite for c in incremental.failed} == {"fct_dossier_due_after_receipt"}

    # 3. a new batch re-sends a few district dossiers with a channel outside its code list (the district
    # system's KenhThucHien: 1 direct, 2 online, 3 public postal service; domain-facts.md, the district
    # one-stop contract), one more than the tolerance allows: the gate fails either way
    latest = read_latest(settings.landing_dir, "district_one_stop", "dossiers", "MaHoSo", "NgayCapNhat",
                         hive_partitioning="false")
    bad = int(duckdb.connect().execute(f"select count(*) from ({latest})").fetchone()[0] * 0.001) + 1
    land_batch(settings.landing_dir, "district_one_stop", "dossiers", "20240702T000000_20240703T000000",
               f"select * replace (9::bigint as \"KenhThucHien\", '20240702100000' as \"NgayCapNhat\", "
               f"'20240702T000000_20240703T000000' as _batch_id) from ({latest}) order by \"MaHoSo\" limit {bad}")
    full, incremental = full_and_incremental(settings, candidate)
    district = {c.column: c for c in incremental.results if c.suite == "landing_district_domains"}
    assert not district["KenhThucHien"].success and district["KenhThucHien"].unexpected_count == bad
    assert {c.suite for c in full.failed} == {c.suite for c in incremental.failed} == {
        "fct_dossier_due_after_receipt", "landing_district_domains"}

    # 4. a ward batch carries one dossier twice: keys are unique per batch only in the old batches
    ward = read_latest(settings.landing_dir, "ward_one_stop", "dossiers", "id", "updated_at",
                       hive_partitioning="false")
    land_batch(settings.landing_dir, "ward_one_stop", "dossiers", "20240703T000000_20240704T000000",
               f"select * replace ('2024-07-03T10:00:00+07:00' as updated_at, '20240703T000000_20240704T000000' "
               f"as _batch_id) from (select w.* from (select * from ({ward}) order by id limit 1) w, range(2))")
    full, incremental = full_and_incremental(settings, candidate)
    assert {c.suite for c in full.failed} == {c.suite for c in incremental.failed} == {
        "fct_dossier_due_after_receipt", "landing_district_domains", "landing_dossier_keys_unique_per_batch"}


def test_a_rewritten_batch_sends_the_audit_back_to_full(fresh):
    settings, candidate = fresh
    publish(settings, candidate, gate(settings, audit_candidate(settings, candidate)))
    manifest = list_batches(settings.landing_dir, "ward_one_stop", "dossiers")[0] / MANIFEST
    manifest.write_text(manifest.read_text() + "\n")  # same batch name, other bytes: its counts no longer hold
    again = audit_candidate(settings, candidate)
    assert set(again.basis["modes"].values()) == {"full"}


def test_a_base_release_without_the_stamp_column_runs_that_suite_in_full(fresh):
    settings, candidate = fresh
    release = publish(settings, candidate, gate(settings, audit_candidate(settings, candidate)))
    con = duckdb.connect(str(settings.data_dir / "releases" / release / "cchc.duckdb"))
    con.execute("alter table marts.fct_dossier drop column source_extracted_at")  # as a release of older code
    con.close()
    again = audit_candidate(settings, candidate)
    assert again.basis["modes"]["fct_dossier_due_after_receipt"] == "full"
    assert outcomes(again) == outcomes(audit_candidate(settings, candidate, full=True))


def test_mart_rows_of_a_re_extracted_old_window_are_validated(tmp_path):
    """A window re-extracted today lands under its old batch id; its rows are new by extraction time, the
    build's watermark, and that is what the row-level suite reads (not the batch id)."""
    from expectations.incremental import BASE_CATALOG, mart_changes
    from expectations.suites import SUITES

    suite = next(s for s in SUITES if s.name == "fct_dossier_due_after_receipt")
    rows = "(dossier_id varchar, received_at timestamptz, due_at timestamptz, source_batch_id varchar, " \
           "source_extracted_at timestamptz)"
    base = duckdb.connect(str(tmp_path / "base.duckdb"))
    base.execute(f"create schema marts; create table marts.fct_dossier {rows}")
    base.execute("insert into marts.fct_dossier values ('a', '2024-03-01', '2024-03-05', '20240301', '2024-03-02')")
    base.close()
    con = duckdb.connect()
    con.execute(f"attach '{tmp_path / 'base.duckdb'}' as {BASE_CATALOG} (read_only)")
    con.execute(f"create schema marts; create table marts.fct_dossier {rows}")
    con.execute("insert into marts.fct_dossier values "
                "('a', '2024-03-01', '2024-03-05', '20240301', '2024-03-02'), "  # untouched since the base
                "('b', '2024-02-01', '2024-01-05', '20240201', '2024-07-02')")  # old window, extracted again
    changed, totals = mart_changes(con, suite)
    assert con.execute(changed).fetchall() == [(con.execute("select received_at, due_at from marts.fct_dossier "
                                                            "where dossier_id = 'b'").fetchone())]
    assert totals["due_at"] == (2, 0, 1)
