"""`make demo`: the whole pipeline for real, on one machine, through the real Airflow scheduler.

Starts the simulators (optionally on a scenario), prepares an Airflow home (SQLite metadata database,
the one-slot `duckdb_writer` pool, the source connections), starts Airflow's scheduler, DAG processor,
API server and triggerer (LocalExecutor), triggers the three extract DAGs and then the warehouse DAG
over the REST API, prints every task as it starts and ends (dbt models as dbt builds them), and then
key indicators per unit from the published warehouse plus where everything is. The runs stay in the
Airflow home: `make airflow` afterwards shows them in the UI, with their task logs. Re-runnable: the
data directory is reused and the warehouse republished.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from cchc.clock import VN_TZ
from cchc.settings import REPO_ROOT, Settings
from pipeline.local_airflow import LocalAirflow, TaskState, airflow_env, password_file, prepare_home

EXTRACT_DAGS = ["cchc_extract_district_one_stop", "cchc_extract_ward_one_stop", "cchc_extract_dms"]
WAREHOUSE_DAG = "cchc_warehouse"
DAGS = [*EXTRACT_DAGS, WAREHOUSE_DAG]


def step(message: str) -> None:
    print(f"[{datetime.now(VN_TZ):%H:%M:%S}] {message}", flush=True)


class Progress:
    """Prints each task of a run when its state changes, with a done/total count, and dbt's per-model
    lines from the running task's log file (the same file the UI shows)."""

    def __init__(self, dag_id: str, run_id: str, home: Path):
        self.dag_id, self.run_id, self.home = dag_id, run_id, home
        self.seen: dict[str, str | None] = {}
        self.log_offsets: dict[Path, int] = {}

    def __call__(self, tasks: list[TaskState]) -> None:
        done = sum(1 for t in tasks if t.state in ("success", "failed", "skipped", "upstream_failed"))
        for t in sorted(tasks, key=lambda t: t.task_id):
            if self.seen.get(t.task_id) != t.state and t.state in ("running", "success", "failed",
                                                                    "up_for_retry", "upstream_failed"):
                took = f" in {t.seconds:.1f} s" if t.seconds and t.state != "running" else ""
                step(f"  [{done}/{len(tasks)}] {t.task_id:<40} {t.state}{took}")
            self.seen[t.task_id] = t.state
            if t.state == "running":
                self._tail(t)

    def _tail(self, t: TaskState) -> None:
        folder = self.home / "logs" / f"dag_id={self.dag_id}" / f"run_id={self.run_id}" / f"task_id={t.task_id}"
        for path in sorted(folder.glob("attempt=*.log")):
            offset = self.log_offsets.get(path, 0)
            with path.open() as log:
                log.seek(offset)
                chunk = log.read()
            complete = chunk[:chunk.rfind("\n") + 1]
            self.log_offsets[path] = offset + len(complete.encode())
            for line in complete.splitlines():
                if shown := _dbt_node_line(_event(line)):
                    print(f"           dbt {shown}", flush=True)


def _dbt_node_line(event: str) -> str | None:
    """dbt's line for a finished model/seed, or any failure: "12 of 134 OK created sql table model
    marts.fct_dossier ..... [OK in 0.53s]" → "12 of 134 OK created sql table model marts.fct_dossier (0.53s)".
    Passing tests are left out: 85 of them would bury the models."""
    match = re.search(r"(\d+ of \d+ (OK|ERROR|FAIL|WARN|SKIP)\b.*?)\s*\.*\s*\[(.*)\]\s*$", event)
    if not match or (match.group(2) == "OK" and " model " not in event and " seed " not in event):
        return None
    return f"{match.group(1)} ({match.group(3).split(' in ')[-1]})"


def _event(line: str) -> str:
    try:
        return str(json.loads(line).get("event", ""))
    except (json.JSONDecodeError, AttributeError):
        return line


def run_dag(af: LocalAirflow, dag_id: str, home: Path, next_interval: bool = False) -> str:
    """Trigger a paused DAG over the REST API, unpause it, wait with live progress; raise if it failed.

    With `next_interval` the run takes the logical date and data interval of the scheduler's next run
    (the last complete interval): the scheduler finds it exists and moves on, instead of creating a
    duplicate when the DAG is unpaused."""
    t0 = time.perf_counter()
    dag = af.api("GET", f"/dags/{dag_id}") if next_interval else {}
    run_id = af.trigger(dag_id, logical_date=dag.get("next_dagrun_logical_date"),
                        data_interval=(dag["next_dagrun_data_interval_start"], dag["next_dagrun_data_interval_end"])
                        if next_interval else None)
    af.set_paused(dag_id, False)
    step(f"DAG {dag_id}: run {run_id}")
    state = af.wait(dag_id, run_id, on_progress=Progress(dag_id, run_id, home))
    af.set_paused(dag_id, True)
    step(f"  {dag_id} {state} in {time.perf_counter() - t0:.1f} s")
    if state != "success":
        raise SystemExit(f"{dag_id} run {run_id} {state}; task logs under {home / 'logs'} and in the UI")
    return run_id


def summary(settings: Settings) -> str:
    import duckdb

    from warehouse.publish import current_release, published_path

    con = duckdb.connect(str(published_path(settings)), read_only=True)
    rows = con.execute("""
        with names as (select unit_code, arg_max(unit_name, coalesce(valid_from, date '0001-01-01')) as unit_name
                       from marts.dim_admin_unit group by unit_code)
        select handling_level, coalesce(names.unit_name, r.unit) as unit, period_start, period_end,
               received, online, resolved, on_time, in_progress
        from (select handling_level,
                     case when handling_level = 'district' then unit_code else parent_unit_code end as unit,
                     period_start, period_end, sum(received_new) as received, sum(received_online) as online,
                     sum(resolved_total) as resolved, sum(resolved_early + resolved_on_time) as on_time,
                     sum(in_progress_total) as in_progress
              from marts.rpt_dossier_period where period_type = 'quarter' group by all) r
        left join names on names.unit_code = r.unit
        order by period_start, unit, handling_level
    """).fetchall()
    con.close()
    lines = [f"published release {current_release(settings)} — dossiers per quarter "
             "(ward level summed per district)",
             f"{'level':<9}{'unit':<22}{'period':<24}{'received':>9}{'online %':>9}{'resolved':>9}"
             f"{'on time %':>10}{'open':>7}"]
    for level, unit, start, end, received, online, resolved, on_time, progress in rows:
        online_pct = f"{100 * online / received:.1f}" if received else "-"
        on_time_pct = f"{100 * on_time / resolved:.1f}" if resolved else "-"
        lines.append(f"{level:<9}{unit[:21]:<22}{f'{start} – {end}':<24}{received:>9}{online_pct:>9}"
                     f"{resolved:>9}{on_time_pct:>10}{progress:>7}")
    return "\n".join(lines)


def run_pipeline(af: LocalAirflow, home: Path) -> None:
    """Extract DAGs (each at the logical date the scheduler would give it next), then the warehouse."""
    af.wait_for_dags(DAGS)
    for dag_id in DAGS:  # nothing runs until triggered: no scheduled or asset-triggered duplicates
        af.set_paused(dag_id, True)
    for dag_id in EXTRACT_DAGS:
        run_dag(af, dag_id, home, next_interval=True)
    run_dag(af, WAREHOUSE_DAG, home)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.demo", description=__doc__)
    parser.add_argument("--scenario", type=Path, default=REPO_ROOT / "simulators/scenarios/tay-ho-2024q1.yaml")
    parser.add_argument("--dossiers", type=int, default=20_000, help="background volume of the simulators")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    os.environ.setdefault("CCHC_DEMO", "1")  # the demo runs on the public DEMO secrets (cchc/settings.py)
    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = airflow_env(settings)
    home = Path(env["AIRFLOW_HOME"])
    log = settings.data_dir / "demo.log"
    step(f"data directory {settings.data_dir}; Airflow home {home} (component logs in {home / 'components'})")
    step("preparing Airflow (SQLite metadata DB, pool duckdb_writer, connections from the environment)")
    prepare_home(env, log)

    from simulators.scenario import load_scenario
    from simulators.testing import running_simulators
    from simulators.world import WorldConfig

    scenario = load_scenario(args.scenario) if args.scenario else None
    step(f"starting the simulators ({scenario.name if scenario else 'no scenario'}, "
         f"{args.dossiers:,} background dossiers)")
    with running_simulators(WorldConfig(scenario=scenario, dossiers=args.dossiers), ports=settings.ports):
        step(f"starting Airflow (scheduler, dag-processor, api-server, triggerer) on {env['AIRFLOW__API__BASE_URL']}")
        with LocalAirflow(env, home / "components") as af:
            run_pipeline(af, home)
    print()
    print(summary(settings))
    from warehouse.publish import current_release, published_path

    release = settings.data_dir / "releases" / (current_release(settings) or "")
    print()
    print(f"published warehouse (open read-only): {published_path(settings)}")
    print(f"exports:                              {release / 'exports'}")
    print(f"quality report:                       {release / 'quality_report.html'}")
    print(f"the runs in the UI:                   make airflow DATA_DIR={settings.data_dir}  → "
          f"{env['AIRFLOW__API__BASE_URL']} (user admin, password in {password_file(env)})")
    print(f"demo wall time: {time.perf_counter() - started:.0f} s (finished {datetime.now(UTC).astimezone(VN_TZ):%H:%M} "
          "Vietnam time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
