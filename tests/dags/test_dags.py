"""The DAG folder: imports cleanly and fast, has the designed structure, and runs for real."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date

import duckdb
import pytest
import yaml

from cchc.settings import REPO_ROOT, SimulatorPorts
from tests.dbt.test_scenarios import COLUMNS
from tests.simulators.report_count import flatten

DAGS = REPO_ROOT / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_each_dag_file_imports_in_under_two_seconds(path):
    # a fresh interpreter per file: what the DAG processor pays, without this test's warm imports
    code = f"import time, runpy; t = time.perf_counter(); runpy.run_path({str(path)!r}); print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}, cwd=DAGS)
    assert float(out.stdout.strip().splitlines()[-1]) < 2.0


def test_no_import_errors_and_designed_structure(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {"cchc_extract_district_one_stop", "cchc_extract_ward_one_stop", "cchc_extract_dms",
                                "cchc_warehouse"}
    for system in ("district_one_stop", "ward_one_stop", "dms"):
        dag = dagbag.dags[f"cchc_extract_{system}"]
        assert [o.name for o in dag.get_task("land").outlets] == [f"cchc_landing_{system}"]
    assert str(dagbag.dags["cchc_extract_district_one_stop"].schedule) == "@hourly"
    assert str(dagbag.dags["cchc_extract_dms"].schedule) == "@daily"
    warehouse = dagbag.dags["cchc_warehouse"]
    assert {t.task_id: t.pool for t in warehouse.tasks} == {"build": "duckdb_writer", "audit": "duckdb_writer",
                                                            "publish": "duckdb_writer"}
    assert warehouse.get_task("build").downstream_task_ids == {"audit", "publish"}
    assert warehouse.get_task("audit").downstream_task_ids == {"publish"}
    assert [o.name for o in warehouse.get_task("publish").outlets] == ["cchc_published_warehouse"]
    scheduled_on = {a.name for a in warehouse.timetable.asset_condition.objects}
    assert scheduled_on == {"cchc_landing_district_one_stop", "cchc_landing_ward_one_stop", "cchc_landing_dms"}


def test_all_dags_run_through_airflow_on_the_tay_ho_scenario(tmp_path):
    """Simulators → 3 extract DAGs → warehouse DAG, with `airflow dags test` and SQLite metadata."""
    scenario = REPO_ROOT / "simulators/scenarios/tay-ho-2024q1.yaml"
    ports = SimulatorPorts(district=18721, ward=18722, dms=18723)
    env = {**os.environ, "CCHC_DATA_DIR": str(tmp_path), "CCHC_SIM_DISTRICT_PORT": str(ports.district),
           "CCHC_SIM_WARD_PORT": str(ports.ward), "CCHC_SIM_DMS_PORT": str(ports.dms)}
    env.pop("AIRFLOW_HOME", None)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "cchc.demo", "--scenario", str(scenario), "--dossiers", "2000"],
                         env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "published release" in out.stdout and time.perf_counter() - started < 600
    raw = yaml.safe_load(scenario.read_text())
    con = duckdb.connect(str(tmp_path / "published" / "cchc.duckdb"), read_only=True)
    where = "period_type = 'quarter' and period_start = ? and period_end = ?"
    period = [date(2024, 1, 1), date(2024, 3, 31)]
    for level, figures in raw["one_stop"].items():
        scope = "unit_code = '003' and handling_level = 'district'" if level == "district" else \
            "parent_unit_code = '003' and handling_level = 'ward'"
        for key, expected in flatten(figures).items():
            got = con.execute(f"select sum({COLUMNS[key]}) from marts.rpt_dossier_period where {scope} and {where}",
                              period).fetchone()[0]
            assert got == expected, (level, key)
    assert (tmp_path / "releases").exists()
