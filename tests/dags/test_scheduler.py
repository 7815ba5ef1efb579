"""The pipeline through the REAL Airflow scheduler (not `airflow dags test`): scheduler, DAG processor,
API server and triggerer on a temporary Airflow home (SQLite, LocalExecutor); the extract DAGs and
then the warehouse DAG are triggered over the REST API, exactly as `make demo` does, and the
published Tây Hồ figures must equal the scenario's (the published district report)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.scheduler import local_settings
from cchc.settings import REPO_ROOT
from pipeline.demo import WAREHOUSE_DAG, run_pipeline, summary
from pipeline.local_airflow import LocalAirflow, airflow_env, prepare_home
from simulators.scenario import load_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from tests.dbt.test_scenarios import warehouse_mismatches

SCENARIO = REPO_ROOT / "simulators/scenarios/tay-ho-2024q1.yaml"


@pytest.mark.timeout(900)
def test_extract_and_warehouse_dags_through_the_scheduler_publish_the_tay_ho_figures(tmp_path):
    settings, ports = local_settings(tmp_path / "data")
    env = {**airflow_env(settings, ports), "CCHC_DBT_MODE": "build"}
    home = Path(env["AIRFLOW_HOME"])
    prepare_home(env, tmp_path / "prepare.log")
    with running_simulators(WorldConfig(scenario=load_scenario(SCENARIO), dossiers=2000), ports=settings.ports):
        with LocalAirflow(env, home / "components") as af:
            run_pipeline(af, home)
            runs = af.api("GET", f"/dags/{WAREHOUSE_DAG}/dagRuns")["dag_runs"]
            assert [r["state"] for r in runs] == ["success"]  # one run: no asset-triggered duplicate
            run_id = runs[0]["dag_run_id"]
            output = af.xcom(WAREHOUSE_DAG, run_id, "dbt_build")
            events = af.api("GET", "/assets/events?limit=100")["asset_events"]

    # the dbt task's output: every node of the one build, by name, all passed
    statuses = {n["node"]: n["status"] for n in output["nodes"]}
    assert output["command"] == "build"
    assert statuses["model.cchc_warehouse.rpt_dossier_period"] == "success"
    assert {s for n, s in statuses.items() if not n.startswith("exposure.")} <= {"success", "pass"}
    assert len(statuses) > 100  # every model, seed, test and unit test of the project, by name
    # the published-warehouse Asset event names the release it announces
    published = [e for e in events if e["name"] == "cchc_published_warehouse"]
    assert len(published) == 1 and published[0]["extra"]["release"]
    assert {e["name"] for e in events} == {"cchc_landing_district_one_stop", "cchc_landing_ward_one_stop",
                                           "cchc_landing_dms", "cchc_published_warehouse"}
    # task logs are where the UI reads them
    assert list((home / "logs" / f"dag_id={WAREHOUSE_DAG}").glob("run_id=*/task_id=dbt_build/attempt=1.log"))

    # every figure of the scenario, read back from the published warehouse
    assert warehouse_mismatches(settings.data_dir / "published" / "cchc.duckdb", load_scenario(SCENARIO)) == []
    assert "Quận Tây Hồ" in summary(settings)  # the demo's table shows unit names, not codes
