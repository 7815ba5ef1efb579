"""Write–audit–publish: bad data never reaches the published warehouse; releases swap atomically."""

from __future__ import annotations

import re
import shutil

import duckdb
import openpyxl
import pytest

from expectations.framework import Severity, Suite
from expectations.runner import audit
from warehouse.build import run_dbt
from warehouse.publish import GateFailed, current_release, gate, publish, published_path, rollback


def release_of(path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select release_id from marts.release_manifest").fetchone()[0]
    finally:
        con.close()


def test_clean_candidate_publishes_with_exports(fresh):
    settings, candidate = fresh
    result = audit(candidate, settings.landing_dir)
    assert result.passed, [c.describe() for c in result.failed]
    release = publish(settings, candidate, gate(settings, result))
    assert current_release(settings) == release == release_of(published_path(settings))
    exports = settings.data_dir / "releases" / release / "exports"
    book = openpyxl.load_workbook(exports / "cchc_reports.xlsx", read_only=True)
    assert {"rpt_dossier_period", "rpt_document_period"} <= set(book.sheetnames)
    assert (exports / "rpt_dossier_period.parquet").exists() and (exports / "rpt_dossier_period.csv").exists()
    con = duckdb.connect(str(published_path(settings)), read_only=True)
    schemas = {s for (s,) in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
    checks = con.execute("select count(*) from marts.quality_check_result").fetchone()[0]
    assert schemas == {"marts"} and checks == len(result.results)


def test_bad_data_blocks_publication_and_the_old_release_stays(fresh):
    settings, candidate = fresh
    first = publish(settings, candidate, gate(settings, audit(candidate, settings.landing_dir)))
    con = duckdb.connect(str(candidate))
    # GX's part of the gate (docs/gate.md): the facts no longer reconcile with the landing zone, and more
    # than the tolerated 0.1 % of deadlines fall before receipt
    con.execute("delete from marts.fct_dossier where source_system = 'district_one_stop' and dossier_id in "
                "(select dossier_id from marts.fct_dossier where source_system = 'district_one_stop' limit 3)")
    con.execute("update marts.fct_dossier set due_at = received_at - interval 1 day where dossier_id in "
                "(select dossier_id from marts.fct_dossier where received_at is not null limit 50)")
    con.close()
    result = audit(candidate, settings.landing_dir)
    with pytest.raises(GateFailed) as err:
        publish(settings, candidate, gate(settings, result))
    message = str(err.value)
    assert "reconciliation_landing_to_fact" in message and "district_gap" in message
    assert "fct_dossier_due_after_receipt" in message
    assert current_release(settings) == first and release_of(published_path(settings)) == first
    assert list((settings.data_dir / "audits").glob("*.html"))


def test_structural_damage_fails_the_dbt_tests_that_own_it(fresh):
    # dbt's part of the gate: keys, references, closed domains and the II.06a identity are error-severity dbt
    # tests; one failing fails the build (warehouse.build.BuildFailed), so no candidate reaches publication
    settings, candidate = fresh
    con = duckdb.connect(str(candidate))
    con.execute("update marts.rpt_dossier_period set carried_over = carried_over + 1 where period_type = 'month'")
    con.execute("update marts.fct_dossier set on_time_status = 'whenever' where dossier_id in "
                "(select dossier_id from marts.fct_dossier limit 3)")
    con.close()
    proc = run_dbt(settings, "test", "--select", "fct_dossier", "rpt_dossier_period", candidate=candidate)
    assert proc.returncode != 0
    failed = re.findall(r" FAIL \d+ (\S+)", proc.stdout)
    assert any(name.startswith("ii06a_identity_rpt_dossier_period") for name in failed), proc.stdout[-3000:]
    assert any(name.startswith("accepted_values_fct_dossier_on_time_status") for name in failed), proc.stdout[-3000:]


def test_open_reader_keeps_its_release_and_new_readers_see_the_new_one(fresh):
    settings, candidate = fresh
    first = publish(settings, candidate, gate(settings, audit(candidate, settings.landing_dir)))
    reader = duckdb.connect(str(published_path(settings)), read_only=True)  # as Superset with read_only
    assert reader.execute("select release_id from marts.release_manifest").fetchone()[0] == first
    second = publish(settings, candidate, gate(settings, audit(candidate, settings.landing_dir)))
    assert reader.execute("select release_id from marts.release_manifest").fetchone()[0] == first
    assert reader.execute("select count(*) from marts.fct_dossier").fetchone()[0] > 0
    reader.close()
    assert second != first and release_of(published_path(settings)) == second


def test_crash_between_audit_and_publish_leaves_the_previous_release(fresh):
    settings, candidate = fresh
    first = publish(settings, candidate, gate(settings, audit(candidate, settings.landing_dir)))

    def crash():
        raise SystemExit("killed between writing the release and the swap")

    with pytest.raises(SystemExit):
        publish(settings, candidate, gate(settings, audit(candidate, settings.landing_dir)), _before_swap=crash)
    assert current_release(settings) == first and release_of(published_path(settings)) == first


def test_rollback_restores_the_previous_release(fresh):
    settings, candidate = fresh
    first = publish(settings, candidate, gate(settings, audit(candidate, settings.landing_dir)))
    publish(settings, candidate, gate(settings, audit(candidate, settings.landing_dir)))
    assert rollback(settings) == first
    assert release_of(published_path(settings)) == first


def test_a_check_that_errors_is_a_failure(fresh):
    settings, candidate = fresh

    def broken():
        raise RuntimeError("expectation factory exploded")

    suites = [
        Suite("missing_table", Severity.FAIL, "marts.nope", "select x from marts.nope", lambda: []),
        Suite("raising_expectations", Severity.FAIL, "marts.fct_dossier", "select 1 as x", broken),
    ]
    import great_expectations.expectations as gxe
    suites.append(Suite("missing_column", Severity.FAIL, "marts.fct_dossier", "select dossier_id from marts.fct_dossier",
                        lambda: [gxe.ExpectColumnValuesToNotBeNull(column="no_such_column")]))
    result = audit(candidate, settings.landing_dir, suites)
    assert not result.passed and {c.suite for c in result.failed} == {s.name for s in suites}


def test_a_marts_only_candidate_in_the_release_format_is_published_as_a_byte_copy(fresh):
    """dbt builds the candidate as the public marts alone in the release storage format (staging and
    intermediate are in the work file beside it), so publish copies that file instead of re-inserting every
    table; the guarantees stay: the release is a file of its own (the candidate is untouched), with the
    checks, the manifest, the dbt comments and the exports. A file holding more than the marts is not copied."""
    import hashlib
    import json

    from warehouse import release_file

    settings, candidate = fresh
    other = candidate.with_name("with_staging.duckdb")
    shutil.copy(candidate, other)
    con = duckdb.connect(str(other))
    con.execute("create schema staging; create table staging.extra as select 1 as x")
    con.close()
    assert release_file.copyable(candidate, "marts") and not release_file.copyable(other, "marts")
    marts = candidate
    con = duckdb.connect(str(candidate), read_only=True)
    tables = [t for (t,) in con.execute("select table_name from information_schema.tables where "
                                        "table_schema = 'marts'").fetchall()]
    con.close()
    before = hashlib.sha256(marts.read_bytes()).hexdigest()
    release = publish(settings, marts, gate(settings, audit(marts, settings.landing_dir)))
    assert hashlib.sha256(marts.read_bytes()).hexdigest() == before  # the candidate is not the release
    manifest = json.loads((settings.data_dir / "releases" / release / "release.json").read_text())
    assert manifest["marts_copied_as"] == "file" and set(manifest["tables"]) == set(tables)
    assert (settings.data_dir / "releases" / release / "exports" / "cchc_reports.xlsx").exists()
    published = duckdb.connect(str(published_path(settings)), read_only=True)
    source = duckdb.connect(str(candidate), read_only=True)
    try:
        assert published.execute("select release_id from marts.release_manifest").fetchone()[0] == release
        assert published.execute("select count(*) from marts.quality_check_result").fetchone()[0] > 0
        for table in tables:
            assert (published.execute(f"select count(*) from marts.{table}").fetchone()
                    == source.execute(f"select count(*) from marts.{table}").fetchone()), table
        assert published.execute("select count(*) from duckdb_columns() where table_name = 'fct_dossier' "
                                 "and coalesce(comment, '') <> ''").fetchone()[0] > 0
    finally:
        published.close()
        source.close()
    # the exports were written from the candidate while its bytes were copied: they are the release's own
    from warehouse import exports

    again = settings.data_dir / "exports-from-the-release"
    again.mkdir()
    con = release_file.open_copy(settings.data_dir / "releases" / release / "cchc.duckdb")
    try:
        written = exports.export_release(again, con)
    finally:
        con.close()
    assert written == manifest["exports"] and any(name.startswith("ii06a/") for name in written)
    for name in written:
        if name.endswith((".csv", ".parquet")):
            assert (again / "exports" / name).read_bytes() == \
                (settings.data_dir / "releases" / release / "exports" / name).read_bytes(), name
