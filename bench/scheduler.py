"""`python -m bench.scheduler`: what the warehouse DAG costs through the REAL scheduler, per dbt mode,
against one `dbt build` + gate + publish of the same data outside Airflow (`make bench-scheduler`).

1. The simulators serve a world (Tây Hồ scenario + --dossiers background dossiers); Airflow
   (scheduler, DAG processor, API server, triggerer; SQLite, LocalExecutor) runs the three extract DAGs
   once, triggered over the REST API.
2. Baseline: `warehouse.pipeline.build_audit_publish` (one `dbt build`, the GX gate, publish), timed.
3. For each mode in --modes: Airflow is restarted with CCHC_DBT_MODE=<mode>, the warehouse DAG is
   triggered over the API and timed from trigger to success (each mode --repeat times; the first run
   of a mode may pay a full dbt parse).
4. Retry (mode `build`): a damaged landing file makes one staging model fail; the run fails naming it;
   the file is removed and the failed task cleared: the retry must run `dbt retry`, i.e. only the
   failed and skipped nodes, and publish.
Prints a table and the ratio, writes OUT/scheduler.json.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from cchc.settings import REPO_ROOT, Settings, SimulatorPorts
from pipeline.dbt_tasks import DbtMode, target_dir
from pipeline.demo import EXTRACT_DAGS, WAREHOUSE_DAG, run_dag
from pipeline.local_airflow import AirflowPorts, LocalAirflow, airflow_env, prepare_home

SCENARIO = REPO_ROOT / "simulators/scenarios/tay-ho-2024q1.yaml"
EXPECTED_FIRST_TASK = {DbtMode.BUILD: "dbt_build", DbtMode.LAYERS: "dbt_staging",
                       DbtMode.COSMOS: "dbt.dim_date_model_build", DbtMode.WATCHER: "dbt.dbt_producer_watcher"}


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def local_settings(data_dir: Path) -> tuple[Settings, AirflowPorts]:
    api, worker_logs, trigger_logs, district, ward, dms = free_ports(6)
    settings = replace(Settings.from_env(), data_dir=data_dir, ports=SimulatorPorts(district=district, ward=ward, dms=dms))
    return settings, AirflowPorts(api=api, worker_logs=worker_logs, trigger_logs=trigger_logs)


def start_airflow(settings: Settings, ports: AirflowPorts, mode: DbtMode) -> LocalAirflow:
    env = {**airflow_env(settings, ports), "CCHC_DBT_MODE": mode.value}
    af = LocalAirflow(env, Path(env["AIRFLOW_HOME"]) / "components").start()
    af.wait_for_dags([*EXTRACT_DAGS, WAREHOUSE_DAG])
    deadline = time.monotonic() + 300
    # the DAG processor re-parses with the new mode: wait until the API serves that shape
    while EXPECTED_FIRST_TASK[mode] not in {t["task_id"] for t in af.api("GET", f"/dags/{WAREHOUSE_DAG}/tasks")["tasks"]}:
        if time.monotonic() > deadline:
            raise TimeoutError(f"warehouse DAG not re-parsed in mode {mode}")
        time.sleep(2)
    for dag_id in [*EXTRACT_DAGS, WAREHOUSE_DAG]:
        af.set_paused(dag_id, True)
    return af


def time_warehouse(af: LocalAirflow, home: Path) -> dict:
    t0 = time.perf_counter()
    run_id = run_dag(af, WAREHOUSE_DAG, home)
    wall = time.perf_counter() - t0
    tasks = [t for t in af.tasks(WAREHOUSE_DAG, run_id) if t.seconds is not None]
    dbt_tasks = [t for t in tasks if t.task_id.startswith("dbt")]
    return {"run_id": run_id, "wall_s": round(wall, 1), "tasks": len(tasks), "dbt_tasks": len(dbt_tasks),
            "task_seconds_sum": round(sum(t.seconds for t in tasks), 1),
            "dbt_task_median_s": round(statistics.median(t.seconds for t in dbt_tasks), 2) if dbt_tasks else None}


def retry_after_failure(af: LocalAirflow, settings: Settings, home: Path) -> dict:
    """One staging input damaged → the run fails naming the model; fixed → clear → `dbt retry`."""
    damaged = settings.landing_dir / "dms" / "certificates" / "batch=99999999T000000_damaged" / "part-0.parquet"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"not a parquet file")
    run_id = af.trigger(WAREHOUSE_DAG)
    af.set_paused(WAREHOUSE_DAG, False)
    first = af.wait(WAREHOUSE_DAG, run_id)
    failed_tasks = [t.task_id for t in af.tasks(WAREHOUSE_DAG, run_id) if t.state == "failed"]
    first_results = json.loads((target_dir(settings, "dbt_build") / "run_results_try1.json").read_text())["results"]
    damaged.unlink()
    damaged.parent.rmdir()
    t0 = time.perf_counter()
    af.clear_failed(WAREHOUSE_DAG, run_id)
    second = af.wait(WAREHOUSE_DAG, run_id)
    af.set_paused(WAREHOUSE_DAG, True)
    output = af.xcom(WAREHOUSE_DAG, run_id, "dbt_build")
    return {"first_state": first, "failed_tasks": failed_tasks,
            "failed_nodes": [r["unique_id"] for r in first_results if r["status"] in ("error", "fail")],
            "skipped_nodes": sum(1 for r in first_results if r["status"] == "skipped"),
            "nodes_in_full_build": len(first_results),
            "retry_state": second, "retry_command": output["command"], "retry_nodes": len(output["nodes"]),
            "retry_wall_s": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="build,layers,cosmos,watcher")
    parser.add_argument("--dossiers", type=int, default=2000, help="background dossiers beside the scenario")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-retry", action="store_true", help="skip the failure/retry check")
    parser.add_argument("--out", type=Path, default=Path(".bench"))
    args = parser.parse_args(argv)
    modes = [DbtMode(m) for m in args.modes.split(",")]
    from simulators.scenario import load_scenario
    from simulators.testing import running_simulators
    from simulators.world import WorldConfig
    from warehouse.pipeline import build_audit_publish

    report: dict = {"dossiers": args.dossiers, "scenario": SCENARIO.name, "modes": {}}
    with tempfile.TemporaryDirectory(prefix="cchc-bench-scheduler-") as tmp:
        settings, ports = local_settings(Path(tmp))
        env = airflow_env(settings, ports)
        home = Path(env["AIRFLOW_HOME"])
        prepare_home(env, Path(tmp) / "prepare.log")
        world = WorldConfig(scenario=load_scenario(SCENARIO), dossiers=args.dossiers)
        with running_simulators(world, ports=settings.ports):
            af = start_airflow(settings, ports, modes[0])
            try:
                for dag_id in EXTRACT_DAGS:
                    run_dag(af, dag_id, home, next_interval=True)
            finally:
                af.stop()
        # as many baselines as runs per mode: run i of a mode is compared with baseline i (the first of
        # each pays dbt's full parse, later ones reuse its partial parse)
        report["baselines"] = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            build, _audit, _release = build_audit_publish(settings)
            report["baselines"].append({"wall_s": round(time.perf_counter() - t0, 1), "dbt_s": round(build.seconds, 1)})
        for mode in modes:
            af = start_airflow(settings, ports, mode)
            try:
                runs = [time_warehouse(af, home) for _ in range(args.repeat)]
                report["modes"][mode.value] = runs
                if mode is DbtMode.BUILD and not args.no_retry:
                    report["retry"] = retry_after_failure(af, settings, home)
            finally:
                af.stop()
    print_report(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scheduler.json").write_text(json.dumps(report, indent=2))
    return 0


def print_report(report: dict) -> None:
    baselines = report["baselines"]
    print("\nwarehouse through the scheduler vs one dbt build + gate + publish ("
          + ", ".join(f"run {i}: {b['wall_s']} s, dbt {b['dbt_s']} s" for i, b in enumerate(baselines, 1))
          + f"); {report['scenario']} + {report['dossiers']:,} dossiers")
    print(f"{'mode':<9}{'run':>4}{'wall s':>9}{'ratio':>7}{'tasks':>7}{'dbt tasks':>10}{'median dbt task s':>19}"
          f"{'overhead/task s':>17}")
    for mode, runs in report["modes"].items():
        for i, run in enumerate(runs, 1):
            base = baselines[i - 1]["wall_s"]
            overhead = (run["wall_s"] - base) / run["tasks"]
            print(f"{mode:<9}{i:>4}{run['wall_s']:>9}{run['wall_s'] / base:>7.2f}{run['tasks']:>7}{run['dbt_tasks']:>10}"
                  f"{run['dbt_task_median_s'] or '-':>19}{overhead:>17.1f}")
    if "retry" in report:
        r = report["retry"]
        print(f"retry: first run {r['first_state']} ({r['failed_tasks']}; failed {r['failed_nodes']}, "
              f"{r['skipped_nodes']} skipped of {r['nodes_in_full_build']}); after the fix, clear → {r['retry_state']} "
              f"with `dbt {r['retry_command']}` of {r['retry_nodes']} nodes in {r['retry_wall_s']} s")


if __name__ == "__main__":
    raise SystemExit(main())
