"""
### Extract the source systems into the landing zone

One DAG per source system: the district and ward one-stop systems hourly, the document management
system daily. Each run lands new and changed records (see docs/landing-zone.md) and updates the
system's landing Asset, which schedules the warehouse DAG. Credentials come from the Airflow
connections `cchc_district_one_stop`, `cchc_ward_one_stop`, `cchc_dms` (e.g. `AIRFLOW_CONN_*`).
Backfills (or `exact_window=true`) read exactly the run's data interval.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from cchc.assets import LANDING_ASSETS
from cchc.orchestration import CONNECTION_IDS
from cchc.settings import SourceSystem

SCHEDULES = {SourceSystem.DISTRICT: "@hourly", SourceSystem.WARD: "@hourly", SourceSystem.DMS: "@daily"}


def extract_dag(system: SourceSystem, schedule: str, conn_id: str):
    @dag(
        dag_id=f"cchc_extract_{system.value}",
        schedule=schedule,
        start_date=pendulum.datetime(2015, 1, 1, tz="Asia/Ho_Chi_Minh"),  # backfills may reach any reported year
        catchup=False,
        max_active_runs=1,
        params={"exact_window": Param(False, type="boolean", description="read exactly the data interval")},
        tags=["cchc", "extract"],
        doc_md=__doc__,
    )
    def extract_source():
        @task(outlets=[LANDING_ASSETS[system]], retries=2)
        def land(**context) -> list[dict]:
            """Extract every endpoint of the source into the landing zone; state moves only after commit."""
            from airflow.sdk import Connection

            from cchc.orchestration import extract, run_interval

            exact = bool(context["params"]["exact_window"]) or str(context["dag_run"].run_type).endswith("backfill")
            return extract(system, Connection.get(conn_id), *run_interval(context), exact)

        land()

    return extract_source()


for _system, _schedule in SCHEDULES.items():
    extract_dag(_system, _schedule, CONNECTION_IDS[_system])
