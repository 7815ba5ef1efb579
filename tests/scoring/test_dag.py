"""The yearly scoring DAG: designed structure, and a scheduled run through Airflow scores the previous year."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cchc.settings import REPO_ROOT
from pipeline.demo import airflow_env
from scoring.snapshots import list_snapshots

DAG_FILE = REPO_ROOT / "dags" / "cchc_scoring.py"


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    return bag.dags["cchc_index_scoring"]


def test_yearly_schedule_params_and_tasks(dag):
    assert str(dag.schedule) == dag.timetable.expression == "0 6 5 1 *"  # 5 January, 06:00 …
    assert str(dag.timetable.timezone.name) == "Asia/Ho_Chi_Minh"  # … in Hà Nội
    assert dag.get_task("score").downstream_task_ids == {"scorecards"}
    assert set(dag.params) == {"year", "official", "rubric_version"}
    assert dag.params["year"] is None and dag.params["official"] is False
    assert dag.max_active_runs == 1 and not dag.catchup


def test_scheduled_run_through_airflow_scores_the_previous_year(published):
    settings, _ = published
    env = {**airflow_env(settings), "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FILE.parent)}
    airflow = [sys.executable, "-m", "airflow"]
    for args in (["db", "migrate"], ["dags", "test", "cchc_index_scoring", "2025-01-05T06:00:00+07:00"]):
        proc = subprocess.run([*airflow, *args], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ours = [s for s in list_snapshots(settings) if s["created_by"].startswith("airflow:")]
    assert len(ours) == 1 and ours[0]["year"] == 2024 and not ours[0]["official"]
    assert (settings.data_dir / "scores" / ours[0]["snapshot_id"] / "ranking.html").exists()
