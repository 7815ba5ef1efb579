"""`make demo`: the whole pipeline for real, on one machine, through Airflow.

Starts the simulators (optionally on a scenario), prepares an Airflow home with the embedded SQLite
metadata database, the one-slot `duckdb_writer` pool and the source connections, runs every DAG
with `airflow dags test` (extract ×3, then the warehouse DAG), and prints key indicators per unit
from the published warehouse plus where everything is. Re-runnable: the data directory is reused
and the warehouse republished.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from cchc.settings import REPO_ROOT, Settings

DAGS = ["cchc_extract_district_one_stop", "cchc_extract_ward_one_stop", "cchc_extract_dms", "cchc_warehouse"]


def step(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def airflow_env(settings: Settings) -> dict[str, str]:
    creds, ports = settings.credentials, settings.ports
    home = settings.data_dir / "airflow"
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "CCHC_DATA_DIR": str(settings.data_dir),
        "AIRFLOW_CONN_CCHC_DISTRICT_ONE_STOP": f"http://:{creds.district_token}@{ports.host}:{ports.district}",
        "AIRFLOW_CONN_CCHC_WARD_ONE_STOP": f"http://:{creds.ward_api_key}@{ports.host}:{ports.ward}",
        "AIRFLOW_CONN_CCHC_DMS": f"http://{creds.dms_user}:{creds.dms_password}@{ports.host}:{ports.dms}",
    }


def airflow(env: dict[str, str], *args: str, log: Path) -> None:
    binary = Path(sys.executable).parent / "airflow"
    with log.open("a") as out:
        proc = subprocess.run([str(binary), *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise SystemExit(f"airflow {' '.join(args)} failed (exit {proc.returncode}); see {log}")


def summary(settings: Settings) -> str:
    import duckdb

    from warehouse.publish import current_release, published_path

    con = duckdb.connect(str(published_path(settings)), read_only=True)
    rows = con.execute("""
        select handling_level, case when handling_level = 'district' then unit_code else parent_unit_code end as unit, period_start, period_end,
               sum(received_new) as received, sum(received_online) as online, sum(resolved_total) as resolved,
               sum(resolved_early + resolved_on_time) as on_time, sum(in_progress_total) as in_progress
        from marts.rpt_dossier_period
        where period_type = 'quarter'
        group by all order by period_start, unit, handling_level
    """).fetchall()
    con.close()
    lines = [f"published release {current_release(settings)} — dossiers per quarter "
             "(ward level summed per district)",
             f"{'level':<9}{'unit':<7}{'period':<24}{'received':>9}{'online %':>9}{'resolved':>9}{'on time %':>10}"
             f"{'open':>7}"]
    for level, unit, start, end, received, online, resolved, on_time, progress in rows:
        online_pct = f"{100 * online / received:.1f}" if received else "-"
        on_time_pct = f"{100 * on_time / resolved:.1f}" if resolved else "-"
        lines.append(f"{level:<9}{unit:<7}{f'{start} – {end}':<24}{received:>9}{online_pct:>9}{resolved:>9}"
                     f"{on_time_pct:>10}{progress:>7}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cchc.demo", description=__doc__)
    parser.add_argument("--scenario", type=Path, default=REPO_ROOT / "simulators/scenarios/tay-ho-2024q1.yaml")
    parser.add_argument("--dossiers", type=int, default=20_000, help="background volume of the simulators")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    os.environ.setdefault("CCHC_DEMO", "1")  # the demo runs on the public DEMO secrets (cchc/settings.py)
    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = settings.data_dir / "demo.log"
    env = airflow_env(settings)
    step(f"data directory {settings.data_dir}; Airflow output in {log}")
    step("preparing Airflow (SQLite metadata DB, pool duckdb_writer, connections from the environment)")
    airflow(env, "db", "migrate", log=log)
    airflow(env, "pools", "set", "duckdb_writer", "1", "one writer of the build DuckDB file", log=log)

    from simulators.scenario import load_scenario
    from simulators.testing import running_simulators
    from simulators.world import WorldConfig

    scenario = load_scenario(args.scenario) if args.scenario else None
    step(f"starting the simulators ({scenario.name if scenario else 'no scenario'}, "
         f"{args.dossiers:,} background dossiers)")
    with running_simulators(WorldConfig(scenario=scenario, dossiers=args.dossiers), ports=settings.ports):
        logical = datetime.now(UTC).replace(minute=0, second=0, microsecond=0).isoformat()
        for dag_id in DAGS:
            t0 = time.perf_counter()
            step(f"running DAG {dag_id} …")
            airflow(env, "dags", "test", dag_id, logical, log=log)
            step(f"  {dag_id} succeeded in {time.perf_counter() - t0:.1f} s")
    print()
    print(summary(settings))
    from warehouse.publish import current_release, published_path

    release = settings.data_dir / "releases" / (current_release(settings) or "")
    print()
    print(f"published warehouse (open read-only): {published_path(settings)}")
    print(f"exports:                              {release / 'exports'}")
    print(f"quality report:                       {release / 'quality_report.html'}")
    print(f"demo wall time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
