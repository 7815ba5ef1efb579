"""
### Build, audit and publish the warehouse

Scheduled on the landing Assets of the three source systems. The `dbt` task group (astronomer-cosmos)
has one task per dbt model and seed, each `dbt build` of that node (with its tests) into the candidate
DuckDB file — visible and retryable one by one; `audit` runs the Great Expectations suites read-only; `publish` swaps the audited
candidate in as the published warehouse (only if no fail-severity check failed) and updates the
published-warehouse Asset. Every task that writes the build database runs in the one-slot pool
`duckdb_writer`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from cchc.assets import LANDING_ASSETS, PUBLISHED_WAREHOUSE
from cchc.orchestration import WRITER_POOL
from cchc.settings import SourceSystem


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
    from cchc.dbt_tasks import dbt_task_group

    @task(pool=WRITER_POOL)
    def audit(**context) -> str:
        """Great Expectations suites on the candidate (read-only); fails the run if a `fail` check fails."""
        from cchc.orchestration import save_audit
        from cchc.settings import Settings
        from expectations.runner import audit as run_audit
        from warehouse.build import candidate_path
        from warehouse.publish import gate, write_report

        settings = Settings.from_env()
        result = run_audit(candidate_path(settings), settings.landing_dir)
        name = context["run_id"].replace(":", "_").replace("+", "_")
        report = write_report(settings.data_dir / "audits" / f"{name}.html", result, f"CCHC audit {name}")
        path = save_audit(settings, result, name)
        gate(result, report)
        return path

    @task(pool=WRITER_POOL, outlets=[PUBLISHED_WAREHOUSE])
    def publish(audit_path: str, **context) -> str:
        """Copy the audited candidate into a new release and swap it in atomically."""
        from cchc.orchestration import load_audit
        from cchc.settings import Settings
        from warehouse.build import candidate_path
        from warehouse.publish import publish as publish_release

        settings = Settings.from_env()
        return publish_release(settings, candidate_path(settings), load_audit(audit_path),
                               dbt_summary={"run_id": context["run_id"], "orchestrated_by": "astronomer-cosmos"})

    audited = audit()
    dbt_task_group() >> audited
    publish(audited)


cchc_warehouse()
