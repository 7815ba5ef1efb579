"""`python -m bench.faults`: how much fault the extraction survives (issue 15 figures).

For each rate, every simulator fault (500, 503, 429, slow, truncated, duplicate rows, rows mutated
between pages, extra field, malformed record) is switched on at that rate per request / page, and
every system is extracted into a fresh landing zone, run after run (as the schedule would) until a
run completes; then the faults are switched off and one clean run heals the quarantine. Reported per
rate: faults injected (the simulators' own count), runs until a run completed, circuit openings,
records quarantined, runs to heal, records lost (world keys never landed, must be 0) and the landing
zone's verification; at the end, the highest rate at which a run completed within `--max-runs`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import duckdb

from cchc.landing_layout import has_landed, read_landed
from cchc.settings import Settings, SourceSystem
from extractors.config import ExtractConfig, RetryPolicy
from extractors.integrity import check_landing
from extractors.run import CircuitOpen, extract_system
from extractors.state import ReworkLedger
from simulators.http.faults import FaultConfig
from simulators.testing import running_simulators
from simulators.world import WorldConfig, build_world

ENTITIES = {SourceSystem.DISTRICT: ("dossiers", "MaHoSo"), SourceSystem.WARD: ("dossiers", "id"),
            SourceSystem.DMS: ("documents", "DocId")}
CONFIG = ExtractConfig(read_timeout_s=0.6, connect_timeout_s=1.0, page_size=300,
                       retry=RetryPolicy(max_attempts=6, backoff_base_s=0.01, backoff_cap_s=0.05,
                                         retry_after_cap_s=0.05))


def lost(settings: Settings, world) -> int:
    missing = 0
    for system, (entity, key) in ENTITIES.items():
        table = f"serve_{system.value}__{entity}"
        expected = {k for (k,) in world.con.execute(f"select _key from {table}").fetchall()}
        found = {k for (k,) in duckdb.execute(f"select distinct \"{key}\" from "
                                             f"{read_landed(settings.landing_dir, system.value, entity)}").fetchall()} \
            if has_landed(settings.landing_dir, system.value, entity) else set()
        missing += len(expected - found)
    return missing


def trial(cluster, world, rate: float, max_runs: int) -> dict:
    settings = replace(Settings(), data_dir=Path(tempfile.mkdtemp(prefix="faults-")), pii_key="bench-key")
    cluster.set_faults(replace(FaultConfig.every_fault(rate, slow_seconds=0.7), retry_after_seconds=0))
    started, runs, circuits, completed = time.perf_counter(), 0, 0, False
    while runs < max_runs and not completed:
        runs += 1
        completed = True
        for system in SourceSystem:
            try:
                extract_system(system, settings, cluster.base_url(system), config=CONFIG)
            except CircuitOpen:
                circuits += 1
                completed = False
    quarantined = sum(len(i.keys) for s in SourceSystem for i in ReworkLedger(settings.state_dir, s.value).items())
    injected = Counter()
    for server in cluster.servers.values():  # the dice count every fault they rolled
        injected.update(server.state.dice.counts)
    cluster.set_faults(FaultConfig())
    heal_runs = 0
    while heal_runs < 5 and (heal_runs == 0 or any(ReworkLedger(settings.state_dir, s.value).items()
                                                 for s in SourceSystem)):
        heal_runs += 1
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system), config=CONFIG)
    return {"rate": rate, "faults_injected": sum(injected.values()), "faults_by_kind": dict(injected),
            "runs_until_complete": runs if completed else None, "circuit_openings": circuits,
            "quarantined_keys_open_after_faults": quarantined, "clean_runs_to_heal": heal_runs,
            "records_lost": lost(settings, world), "landing_problems": len(check_landing(settings)),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--rates", default="0.2,0.4,0.5,0.6,0.7,0.8")
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--max-runs", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("CCHC_DEMO", "1")  # the simulators accept only the demo secrets
    world = build_world(WorldConfig(dossiers=args.dossiers, seed=3))
    with running_simulators(world=world) as cluster:
        completing = []
        for rate in (float(r) for r in args.rates.split(",")):
            result = trial(cluster, world, rate, args.max_runs)
            print(json.dumps(result), flush=True)
            if result["runs_until_complete"] is not None:
                completing.append(rate)
        print(json.dumps({"highest_rate_with_a_completed_run": max(completing, default=None),
                          "max_runs": args.max_runs}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
