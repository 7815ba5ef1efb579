"""The DAG folder: imports cleanly and fast and has the designed structure (runs: test_scheduler.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cchc.settings import REPO_ROOT

DAGS = REPO_ROOT / "dags"
SEEDS = {p.stem for p in (REPO_ROOT / "dbt_project/seeds").glob("*.csv")}


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_each_dag_file_parses_in_under_two_seconds(path):
    # A fresh interpreter per file with what the DAG processor has loaded before it parses a file
    # (Airflow itself); the figure is the DagBag's own per-file parse duration, the one Airflow reports
    # and times out on. Cosmos's import and the manifest rendering are inside it.
    code = ("from airflow.dag_processing.dagbag import DagBag; "
            f"bag = DagBag(dag_folder={str(path)!r}); "
            "print(bag.import_errors or ''); print(sum(s.duration.total_seconds() for s in bag.dagbag_stats))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}, cwd=DAGS)
    errors, seconds = out.stdout.strip().splitlines()[-2:]
    assert errors == ""
    assert float(seconds) < 2.0


def test_no_import_errors_and_designed_structure(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {"cchc_extract_district_one_stop", "cchc_extract_ward_one_stop", "cchc_extract_dms",
                                "cchc_warehouse", "cchc_index_scoring"}
    for system in ("district_one_stop", "ward_one_stop", "dms"):
        dag = dagbag.dags[f"cchc_extract_{system}"]
        assert [o.name for o in dag.get_task("land").outlets] == [f"cchc_landing_{system}"]
    hourly = dagbag.dags["cchc_extract_district_one_stop"].timetable
    assert (type(hourly).__name__, hourly.summary) == ("CronDataIntervalTimetable", "0 * * * *")
    assert dagbag.dags["cchc_extract_dms"].timetable.summary == "0 0 * * *"
    warehouse = dagbag.dags["cchc_warehouse"]
    assert {t.pool for t in warehouse.tasks} == {"duckdb_writer"}  # every task writing the build file: one slot
    # default mode: one `dbt build` task between prepare and the gate (README: chosen by measurement)
    assert {t.task_id for t in warehouse.tasks} == {"prepare", "dbt_build", "audit", "publish"}
    assert warehouse.get_task("dbt_build").upstream_task_ids == {"prepare"}
    assert warehouse.get_task("audit").upstream_task_ids == {"dbt_build"}
    assert warehouse.get_task("audit").downstream_task_ids == {"publish"}
    assert warehouse.get_task("dbt_build").retries >= 1  # a retry resumes with `dbt retry`
    # meaningful assets only: the landing ones it is scheduled on and the published warehouse it updates
    assert [o.name for o in warehouse.get_task("publish").outlets] == ["cchc_published_warehouse"]
    assert [t.task_id for t in warehouse.tasks if t.outlets] == ["publish"]
    scheduled_on = {a.name for a in warehouse.timetable.asset_condition.objects}
    assert scheduled_on == {"cchc_landing_district_one_stop", "cchc_landing_ward_one_stop", "cchc_landing_dms"}


def _warehouse_in_mode(mode: str, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("CCHC_DBT_MODE", mode)
    bag = DagBag(dag_folder=str(DAGS / "cchc_warehouse.py"))
    assert bag.import_errors == {}
    return bag.dags["cchc_warehouse"]


def test_layers_mode_is_one_task_per_layer_in_order(dagbag, monkeypatch):
    warehouse = _warehouse_in_mode("layers", monkeypatch)
    assert warehouse.get_task("dbt_intermediate").upstream_task_ids == {"dbt_staging"}
    assert warehouse.get_task("dbt_scores").upstream_task_ids == {"dbt_marts"}
    assert warehouse.get_task("audit").upstream_task_ids == {"dbt_scores"}


def test_cosmos_mode_has_a_task_per_model_and_no_per_model_assets(dagbag, monkeypatch):
    warehouse = _warehouse_in_mode("cosmos", monkeypatch)
    assert {t.pool for t in warehouse.tasks} == {"duckdb_writer"}
    dbt_tasks = {t.task_id for t in warehouse.tasks} - {"prepare", "audit", "publish"}
    multi_parent_tests = {t for t in dbt_tasks if t.endswith("_test")}  # run once all their models are built
    assert "dbt.relationships_fct_dossier_event_dossier_sk__dossier_sk__ref_fct_dossier__test" in multi_parent_tests
    manifest = json.loads((REPO_ROOT / "dbt_project/target/manifest.json").read_text())
    nodes = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    model_files = {p.stem for p in (REPO_ROOT / "dbt_project/models").rglob("*") if p.suffix in (".sql", ".py")}
    assert nodes == model_files | SEEDS, "stale dbt_project/target/manifest.json: run `make install`"
    assert dbt_tasks - multi_parent_tests == {f"dbt.{name}_{'seed' if name in SEEDS else 'model'}_build" for name in nodes}
    assert warehouse.get_task("dbt.fct_dossier_model_build").upstream_task_ids >= {
        "dbt.int_dossier_sla_model_build"}
    leaves = {t.task_id for t in warehouse.tasks if t.task_id in dbt_tasks and not t.downstream_task_ids - {"audit"}}
    assert warehouse.get_task("audit").upstream_task_ids == leaves
    assert [t.task_id for t in warehouse.tasks if t.outlets] == ["publish"]
    assert all(_records_failures(warehouse.get_task(t)) for t in dbt_tasks)  # a failed model lands in the audit store


def test_watcher_mode_keeps_sensors_out_of_the_writer_slot(dagbag, monkeypatch):
    warehouse = _warehouse_in_mode("watcher", monkeypatch)
    writers = {t.task_id for t in warehouse.tasks if t.pool == "duckdb_writer"}
    assert writers == {"prepare", "dbt.dbt_producer_watcher", "audit", "publish"}
    assert warehouse.get_task("dbt.fct_dossier.run").deferrable
    assert _records_failures(warehouse.get_task("dbt.dbt_producer_watcher"))
    assert _records_failures(warehouse.get_task("dbt.fct_dossier.run"))


def _records_failures(task) -> bool:
    from pipeline.dbt_tasks import record_failed_cosmos_task

    callbacks = task.on_failure_callback
    return record_failed_cosmos_task in (callbacks if isinstance(callbacks, list) else [callbacks])
