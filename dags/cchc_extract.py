"""
### Extract the source systems into the landing zone

One DAG per source system: the district and ward one-stop systems hourly, the document management
system daily. Each run lands new and changed records (see docs/landing-zone.md) and updates the
system's landing Asset, which schedules the warehouse DAG. Credentials come from the Airflow
connections `cchc_district_one_stop`, `cchc_ward_one_stop`, `cchc_dms` (e.g. `AIRFLOW_CONN_*`).
Backfills (or `exact_window=true`) read exactly the run's data interval. A long backfill in ONE run:
trigger with `{"window_start": "2024-01-01", "window_end": "2025-01-01"}` (Vietnam time): the run lands
that window month by month, the same batches a re-run with the same window replaces.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from cchc.settings import SourceSystem
from pipeline.assets import LANDING_ASSETS
from pipeline.orchestration import CONNECTION_IDS

# Data-interval timetables (not Airflow 3's default trigger timetables, whose runs have an empty interval):
# each scheduled, backfilled or manual run covers [previous tick, this tick) of the source's clock.
SCHEDULES = {SourceSystem.DISTRICT: "0 * * * *", SourceSystem.WARD: "0 * * * *", SourceSystem.DMS: "0 0 * * *"}


def extract_dag(system: SourceSystem, schedule: str, conn_id: str):
    @dag(
        dag_id=f"cchc_extract_{system.value}",
        schedule=CronDataIntervalTimetable(schedule, timezone="Asia/Ho_Chi_Minh"),
        start_date=pendulum.datetime(2015, 1, 1, tz="Asia/Ho_Chi_Minh"),  # backfills may reach any reported year
        catchup=False,
        max_active_runs=1,
        params={"exact_window": Param(False, type="boolean", description="read exactly the data interval"),
                "window_start": Param(None, type=["null", "string"],
                                      description="backfill: land [window_start, window_end) in this run"),
                "window_end": Param(None, type=["null", "string"], description="end of the backfill window")},
        tags=["cchc", "extract"],
        doc_md=__doc__,
    )
    def extract_source():
        @task(outlets=[LANDING_ASSETS[system]], retries=2, retry_delay=timedelta(minutes=2))
        def land(**context) -> list[dict]:
            """Extract every endpoint of the source into the landing zone; state moves only after commit."""
            from airflow.sdk import Connection

            from pipeline.orchestration import extract, extract_long_window

            params = context["params"]
            if params.get("window_start") or params.get("window_end"):
                return extract_long_window(system, Connection.get(conn_id), params["window_start"], params["window_end"])
            exact = bool(context["params"]["exact_window"]) or str(context["dag_run"].run_type).endswith("backfill")
            return extract(system, Connection.get(conn_id), context["data_interval_start"],
                           context["data_interval_end"], exact)

        land()

    return extract_source()


for _system, _schedule in SCHEDULES.items():
    extract_dag(_system, _schedule, CONNECTION_IDS[_system])
