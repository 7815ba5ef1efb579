"""The dbt project as Airflow tasks, one per model/seed (astronomer-cosmos), for the warehouse DAG.

Why these modes (measured, see README "Why Cosmos runs dbt this way"):
- LoadMode.DBT_MANIFEST: the DAG is rendered from dbt_project/target/manifest.json (written by
  `make install` / `dbt parse`), so parsing the DAG file never runs dbt;
- ExecutionMode.LOCAL with InvocationMode.DBT_RUNNER: each task runs dbt in the worker's own
  interpreter (no subprocess start-up per model);
- TestBehavior.BUILD: each task is `dbt build --select <node>`, so a model's tests and unit tests run
  with it and a retry of the task re-runs both; tests over several models run as their own tasks.
Every task writes the candidate file, so every task is in the one-slot writer pool.
"""

from __future__ import annotations

from cchc.orchestration import WRITER_POOL
from cchc.settings import REPO_ROOT

DBT_PROJECT = REPO_ROOT / "dbt_project"
MANIFEST = DBT_PROJECT / "target" / "manifest.json"
# The date open dossiers are judged against: the run's date in Vietnam (UTC+7 all year, no DST),
# the same for every task of the run.
AS_OF_DATE = "{{ (dag_run.run_after + macros.timedelta(hours=7)).strftime('%Y-%m-%d') }}"


def dbt_task_group(group_id: str = "dbt"):
    """A TaskGroup with one task per dbt model and seed, in dependency order."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(dbt_project_path=DBT_PROJECT, manifest_path=MANIFEST,
                                     project_name="cchc_warehouse"),
        profile_config=ProfileConfig(profile_name="cchc_warehouse", target_name="candidate",
                                     profiles_yml_filepath=DBT_PROJECT / "profiles.yml"),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL,
                                         invocation_mode=InvocationMode.DBT_RUNNER),
        # tests over several models (relationships, reconciliations) get a task of their own after all
        # their parents, instead of running (and failing) with whichever parent is built first
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD,
                                   should_detach_multiple_parents_tests=True),
        operator_args={"pool": WRITER_POOL, "install_deps": False, "full_refresh": "{{ params.full_refresh }}",
                       "vars": {"as_of_date": AS_OF_DATE}, "callback": "cchc.dbt_tasks.release_duckdb"},
    )


def release_duckdb(project_dir: str, **_) -> None:
    """After each dbt task: close dbt-duckdb's cached handle on the candidate.

    dbt runs inside the task's interpreter (DBT_RUNNER) and dbt-duckdb keeps the database open for
    the life of the process; where several tasks share one process (`airflow dags test`, the demo)
    the audit, in its own interpreter, could not open the file until that handle is gone."""
    import gc

    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
