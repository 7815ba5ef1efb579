"""
### Build, audit and publish the warehouse

Scheduled on the landing Assets of the three source systems. `build` runs dbt into the candidate
DuckDB file; `audit` runs the Great Expectations suites read-only; `publish` swaps the audited
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
    @task(pool=WRITER_POOL)
    def build(**context) -> dict:
        """dbt build (staging → intermediate → marts, tests and unit tests) into the candidate file;
        large facts incrementally (delete+insert by key) unless `full_refresh`."""
        from cchc.settings import Settings
        from warehouse.build import build_candidate

        result = build_candidate(Settings.from_env(), full_refresh=bool(context["params"]["full_refresh"]))
        return {"candidate": str(result.candidate), "seconds": round(result.seconds, 2),
                "model_seconds": result.model_seconds}

    @task(pool=WRITER_POOL)
    def audit(built: dict, **context) -> str:
        """Great Expectations suites on the candidate (read-only); fails the run if a `fail` check fails."""
        from pathlib import Path

        from cchc.orchestration import save_audit
        from cchc.settings import Settings
        from expectations.runner import audit as run_audit
        from warehouse.publish import gate, write_report

        settings = Settings.from_env()
        result = run_audit(Path(built["candidate"]), settings.landing_dir)
        name = context["run_id"].replace(":", "_").replace("+", "_")
        report = write_report(settings.data_dir / "audits" / f"{name}.html", result, f"CCHC audit {name}")
        path = save_audit(settings, result, name)
        gate(result, report)
        return path

    @task(pool=WRITER_POOL, outlets=[PUBLISHED_WAREHOUSE])
    def publish(built: dict, audit_path: str) -> str:
        """Copy the audited candidate into a new release and swap it in atomically."""
        from pathlib import Path

        from cchc.orchestration import load_audit
        from cchc.settings import Settings
        from warehouse.publish import publish as publish_release

        return publish_release(Settings.from_env(), Path(built["candidate"]), load_audit(audit_path),
                               dbt_summary={"seconds": built["seconds"]})

    built = build()
    publish(built, audit(built))


cchc_warehouse()
