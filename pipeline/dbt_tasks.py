"""How the warehouse DAG runs dbt. Four ways, measured under the real scheduler (README "How dbt runs in
Airflow"; `python -m bench.scheduler`), chosen with CCHC_DBT_MODE:

- `build` (default): ONE task runs `dbt build` of the whole project, streams dbt's log into the task
  log, and returns the result of every node (run_results.json) as its output; a failure names the
  failing nodes, and a retry (automatic or "clear") runs `dbt retry`, i.e. only what failed or was
  skipped in that run.
- `layers`: the same, one task per layer (seeds + staging → intermediate → marts → scores).
- `cosmos`: astronomer-cosmos, one task per model/seed (`dbt build --select <node>`), LOCAL mode,
  DBT_RUNNER invocation, rendered from the manifest.
- `watcher`: Cosmos ExecutionMode.WATCHER, one producer `dbt build` and one deferrable sensor per node.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from enum import StrEnum
from pathlib import Path

from cchc.clock import VN_OFFSET, local_date
from cchc.settings import REPO_ROOT, Settings
from pipeline.orchestration import WRITER_POOL

DBT_PROJECT = REPO_ROOT / "dbt_project"
MANIFEST = DBT_PROJECT / "target" / "manifest.json"
# The date open dossiers are judged against: the run's date in Vietnam (cchc/clock.py), the same for
# every task of the run (a template: Cosmos renders it per task from the run, not from the wall clock).
AS_OF_DATE = (f"{{{{ (dag_run.run_after + macros.timedelta(seconds={VN_OFFSET.total_seconds():.0f}))"
              ".strftime('%Y-%m-%d') }}")
FAILED = ("error", "fail", "runtime error")


class DbtMode(StrEnum):
    BUILD = "build"
    LAYERS = "layers"
    COSMOS = "cosmos"
    WATCHER = "watcher"


# (task id, dbt selector) of the `layers` mode, in dependency order
LAYERS = [("staging", "resource_type:seed path:models/staging"), ("intermediate", "path:models/intermediate"),
          ("marts", "path:models/marts"), ("scores", "path:models/scores")]


def dbt_mode() -> DbtMode:
    # read at DAG-parse time: the mode decides the DAG's shape (not a Settings field: foundations stay
    # free of orchestration choices)
    return DbtMode(os.environ.get("CCHC_DBT_MODE", DbtMode.BUILD.value))


def dbt_tasks(group_id: str = "dbt"):
    """The dbt part of the warehouse DAG, for the configured mode: (first task, last task)."""
    mode = dbt_mode()
    if mode is DbtMode.BUILD:
        task = _build_task("dbt_build", None)
        return task, task
    if mode is DbtMode.LAYERS:
        tasks = [_build_task(f"dbt_{name}", selector) for name, selector in LAYERS]
        for upstream, downstream in zip(tasks, tasks[1:], strict=False):
            upstream >> downstream
        return tasks[0], tasks[-1]
    group = _cosmos_group(group_id, mode)
    return group, group


def _build_task(task_id: str, selector: str | None):
    from datetime import timedelta

    from airflow.sdk import task

    @task(task_id=task_id, pool=WRITER_POOL, retries=1, retry_delay=timedelta(seconds=10))
    def dbt_build(**context) -> dict:
        """`dbt build` (or, on a retry, `dbt retry`) into the candidate; returns every node's result."""
        ti = context["ti"]
        return run_dbt_build(context["run_id"], ti.try_number, bool(context["params"]["full_refresh"]),
                             _as_of_date(context), selector, name=task_id)

    return dbt_build()


def _as_of_date(context) -> str:
    return local_date(context["dag_run"].run_after)


def target_dir(settings: Settings, name: str) -> Path:
    return settings.data_dir / "warehouse" / "dbt_airflow" / name


def run_dbt_build(run_id: str, try_number: int, full_refresh: bool, as_of_date: str, selector: str | None,
                  name: str = "dbt_build") -> dict:
    """Run dbt for an Airflow task; dbt's own log lines go to the task log as they come.

    The target directory is kept per task (not per run) so dbt's partial parse survives between
    runs; `airflow_run.json` in it says which run its run_results.json belongs to, so a retry only
    resumes its own run."""
    from warehouse.build import (
        build_env,
        build_flags,
        candidate_path,
        create_candidate,
        dbt_env,
        start_afresh,
    )

    settings = Settings.from_env()
    target = target_dir(settings, name)
    target.mkdir(parents=True, exist_ok=True)
    marker = target / "airflow_run.json"
    results_file = target / "run_results.json"
    resumable = (try_number > 1 and marker.exists() and json.loads(marker.read_text())["run_id"] == run_id
                 and results_file.exists() and failed_nodes(results_file))
    candidate = candidate_path(settings)
    if resumable:
        # the retry resumes the first try with its values: where its tests start is where that try started
        args, run = ["retry"], json.loads(marker.read_text()).get("env", {})
    else:
        args = ["build", *build_flags(full_refresh)]
        if selector:
            args += ["--select", *selector.split()]
        run = build_env(candidate, full_refresh=full_refresh, as_of_date=as_of_date)
        results_file.unlink(missing_ok=True)
        marker.write_text(json.dumps({"run_id": run_id, "env": run}))
        if full_refresh and not selector:  # a layer of a full refresh must keep the layers built before it
            start_afresh(candidate)
    create_candidate(candidate)
    command = [str(Path(sys.executable).parent / "dbt"), "--no-use-colors", *args, "--project-dir", str(DBT_PROJECT),
               "--target-path", str(target)]
    print("running:", " ".join(command[1:]), flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=dbt_env(settings, candidate, run), cwd=DBT_PROJECT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        print(line.rstrip(), flush=True)
    proc.wait()
    seconds = time.perf_counter() - started
    if not results_file.exists():
        raise RuntimeError(f"dbt {args[0]} (task {name}) exited {proc.returncode} without run_results.json")
    nodes = node_results(results_file)
    # one copy per try: what every node did, still readable after a retry replaced run_results.json
    shutil.copy(results_file, target / f"run_results_try{try_number}.json")
    failed = failed_nodes(results_file)
    if proc.returncode != 0 or failed:
        from expectations.store import first_line

        skipped = sum(1 for n in nodes if n["status"] == "skipped")
        checks = record_dbt_failure(settings, run_id, failed or [{"node": name, "status": "error",
                                                                   "message": f"exit code {proc.returncode}"}])
        raise RuntimeError(f"dbt {args[0]} failed in task {name} at {first_line(checks[0])}\n" + "; ".join(
            f"{n['node']} ({n['status']}: {n['message']})" for n in failed)
            + f"; {skipped} node(s) skipped — a retry of this task runs `dbt retry` (only those)")
    return {"command": args[0], "seconds": round(seconds, 2), "nodes": nodes}


def record_dbt_failure(settings: Settings, run_id: str, nodes: list[dict]) -> list:
    """A dbt failure is a blocked run: its failed nodes go to the audit store under the run's audit id."""
    from expectations.store import dbt_failures, record_audit

    checks = dbt_failures(nodes)
    record_audit(settings.data_dir / "audits", checks, outcome="blocked", stage="build",
                 audit_id=run_id.replace(":", "_").replace("+", "_"), merge=True)
    return checks


def record_failed_cosmos_task(context) -> None:
    """`on_failure_callback` of every Cosmos task (modes cosmos, watcher): the failed model or test, with
    dbt's error, lands in the audit store as the run's blocked audit."""
    task_id = context["ti"].task_id
    error = str(context.get("exception") or "failed").strip()
    record_dbt_failure(Settings.from_env(), context["run_id"], [{"node": task_id, "status": "error",
                                                                "message": error.splitlines()[0] if error else ""}])


def node_results(path: Path) -> list[dict]:
    return [{"node": r["unique_id"], "status": r["status"], "seconds": round(r["execution_time"], 3),
             "message": (r.get("message") or "")[:300]} for r in json.loads(path.read_text())["results"]]


def failed_nodes(path: Path) -> list[dict]:
    return [n for n in node_results(path) if n["status"] in FAILED]


def _cosmos_group(group_id: str, mode: DbtMode):
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    execution = ExecutionMode.WATCHER if mode is DbtMode.WATCHER else ExecutionMode.LOCAL
    # the watcher's producer runs the one `dbt build`; its sensors report models and their tests apart
    tests = TestBehavior.AFTER_EACH if mode is DbtMode.WATCHER else TestBehavior.BUILD
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(dbt_project_path=DBT_PROJECT, manifest_path=MANIFEST,
                                     project_name="cchc_warehouse", partial_parse=True, install_dbt_deps=False),
        profile_config=ProfileConfig(profile_name="cchc_warehouse", target_name="candidate",
                                     profiles_yml_filepath=DBT_PROJECT / "profiles.yml"),
        execution_config=ExecutionConfig(execution_mode=execution, invocation_mode=InvocationMode.DBT_RUNNER),
        # tests over several models get a task of their own after all their parents
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=tests,
                                   should_detach_multiple_parents_tests=True),
        operator_args={"pool": WRITER_POOL, "full_refresh": "{{ params.full_refresh }}",
                       "vars": {"as_of_date": AS_OF_DATE}, "callback": "pipeline.dbt_tasks.release_duckdb",
                       "on_failure_callback": record_failed_cosmos_task,
                       # no per-model candidate assets: nothing consumes them (the published Asset does)
                       "emit_datasets": False},
    )
    if mode is DbtMode.WATCHER:
        # only the producer writes the candidate; sensors waiting in the one writer slot would block it
        for task in group.iter_tasks():
            if "producer" not in task.task_id:
                task.pool = "default_pool"
    return group


def release_duckdb(project_dir: str, **_) -> None:
    """After each Cosmos task: close dbt-duckdb's cached handle on the candidate.

    dbt runs inside the task's interpreter (DBT_RUNNER) and dbt-duckdb keeps the database open for
    the life of the process; where several tasks share one process (`airflow dags test`) the audit
    could not open the file until that handle is gone."""
    import gc

    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
