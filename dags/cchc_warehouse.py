"""
### Build, audit and publish the warehouse

Scheduled on the landing Assets of the three source systems. `dbt_build` runs one `dbt build` of the
project into the candidate DuckDB file; its log shows every model as dbt runs it, its output (XCom)
lists every node's status and time, a failure names the failing models, and a retry ("Clear" in the
UI) runs `dbt retry`: only what failed or was skipped. (CCHC_DBT_MODE selects the measured
alternatives: per-layer tasks, Cosmos per-model tasks, Cosmos watcher; see README.) `audit` runs the
Great Expectations suites read-only; `publish` swaps the audited candidate in as the published
warehouse (only if no fail-severity check failed) and updates the published-warehouse Asset with the
release id. Every task that writes the build database runs in the one-slot pool `duckdb_writer`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from cchc.settings import SourceSystem
from pipeline.assets import LANDING_ASSETS, PUBLISHED_WAREHOUSE
from pipeline.orchestration import WRITER_POOL


@dag(
    dag_id="cchc_warehouse",
    schedule=LANDING_ASSETS[SourceSystem.DISTRICT] | LANDING_ASSETS[SourceSystem.WARD] | LANDING_ASSETS[SourceSystem.DMS],
    start_date=pendulum.datetime(2015, 1, 1, tz="Asia/Ho_Chi_Minh"),  # backfills may reach any reported year
    catchup=False,
    max_active_runs=1,
    params={"full_refresh": Param(False, type="boolean", description="rebuild incremental facts from scratch")},
    tags=["cchc", "warehouse"],
    doc_md=__doc__,
)
def cchc_warehouse():
    from pipeline.dbt_tasks import dbt_tasks

    @task(pool=WRITER_POOL)
    def prepare() -> str:
        """Repair and verify the landing zone (a damaged batch stops the run, named), and create the
        candidate in the release storage format if there is none yet (so a release is its byte copy)."""
        from cchc.settings import Settings
        from warehouse.build import candidate_path, create_candidate, prepare_or_block

        settings = Settings.from_env()
        prepare_or_block(settings)
        candidate = candidate_path(settings)
        create_candidate(candidate)
        return str(candidate)

    @task(pool=WRITER_POOL)
    def audit(run_id: str) -> str:
        """Great Expectations suites on the candidate (read-only); fails the run if a `fail` check fails."""
        from pipeline.orchestration import audit_and_gate

        return audit_and_gate(run_id)

    @task(pool=WRITER_POOL, outlets=[PUBLISHED_WAREHOUSE])
    def publish(audit_path: str, run_id: str, **context) -> str:
        """Copy the audited candidate into a new release and swap it in atomically."""
        from pipeline.orchestration import publish_audited

        release = publish_audited(audit_path, run_id)
        # consumers (scoring, BI refresh) see which release the event announces
        context["outlet_events"][PUBLISHED_WAREHOUSE].extra = {"release": release}
        return release

    audited = audit(run_id="{{ run_id }}")
    first, last = dbt_tasks()
    prepare() >> first
    last >> audited
    publish(audited, run_id="{{ run_id }}")


cchc_warehouse()
