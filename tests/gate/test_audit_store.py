"""One audit home (issue 15): every blocked run — here a dbt failure, in the Airflow dbt task of modes
`build`/`layers` and in the Cosmos failure callback of modes `cosmos`/`watcher` — writes its row set to
the audit store, the message's first line names the first failing check, and the quality report's
history is read from the store."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from expectations.framework import AuditResult, CheckResult, Severity
from expectations.store import history
from pipeline import dbt_tasks
from warehouse import quality_report

RUN_ID = "manual__2026-12-01T08:00:00+00:00"
AUDIT_ID = "manual__2026-12-01T08_00_00_00_00"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_DATA_DIR", str(tmp_path))
    return tmp_path


def test_a_dbt_build_failure_in_the_airflow_task_lands_in_the_store_and_the_report(data_dir):
    part = data_dir / "landing" / "dms" / "certificates" / "batch=20240101T000000_20240201T000000"
    part.mkdir(parents=True)
    (part / "part-00000.parquet").write_bytes(os.urandom(4096))  # not Parquet: the staging model fails
    with pytest.raises(RuntimeError) as failure:
        dbt_tasks.run_dbt_build(RUN_ID, 1, True, "2024-06-30", "stg_dms__certificates")
    first = str(failure.value).splitlines()[0]
    assert first.startswith("dbt build failed in task dbt_build at dbt_build [fail] dbt project: "
                            "model.cchc_warehouse.stg_dms__certificates ERRORED: error: ")
    [stored] = history(data_dir / "audits")
    assert (stored["id"], stored["outcome"], stored["stage"]) == (AUDIT_ID, "blocked", "build")
    assert stored["failed"] >= 1 and "model.cchc_warehouse.stg_dms__certificates" in stored["first_failure"]

    # the next audit's page lists the blocked build in its history, read from the store
    passed = AuditResult([CheckResult("fct_dossier_rows", Severity.FAIL, "marts.fct_dossier",
                                      "expect_column_values_to_not_be_null", "dossier_id", True, 0, [])], 1.0)
    page = quality_report.write(data_dir / "audits" / "next.html", passed, "CCHC audit next").read_text()
    assert AUDIT_ID in page and "blocked: dbt failed" in page and "stg_dms__certificates" in page
    assert not list((data_dir / "audits").glob("*.summary.json"))


def test_failing_cosmos_tasks_of_one_run_make_one_blocked_audit(data_dir):
    for task_id, error in [("dbt.stg_dms__certificates_run", "Runtime Error in model stg_dms__certificates\nmore"),
                           ("dbt.stg_dms__organs_run", "Runtime Error in model stg_dms__organs")]:
        dbt_tasks.record_failed_cosmos_task({"ti": SimpleNamespace(task_id=task_id), "run_id": RUN_ID,
                                             "exception": RuntimeError(error)})
    [stored] = history(data_dir / "audits")
    assert (stored["id"], stored["outcome"], stored["stage"], stored["failed"]) == (AUDIT_ID, "blocked", "build", 2)
    assert stored["first_failure"] == ("dbt_build: dbt.stg_dms__certificates_run — error: Runtime Error in model "
                                       "stg_dms__certificates")

