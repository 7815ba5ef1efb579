"""`python -m simulators serve`: start the three simulated source systems until Ctrl-C.

Prints the base URLs; `--scenario FILE` makes the systems reproduce a published report.
`python -m simulators check-scenario FILE` says whether a report can be reproduced, and why not.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from cchc.settings import SimulatorPorts, SourceCredentials, SourceSystem
from simulators.cluster import ClusterConfig, SimulatorCluster
from simulators.http.faults import Fault, FaultConfig


def _fault(text: str) -> tuple[str, float]:
    name, _, rate = text.partition("=")
    if name not in {f.value for f in Fault} or not rate:
        raise argparse.ArgumentTypeError(f"--fault takes NAME=RATE with NAME one of {', '.join(f.value for f in Fault)}")
    return name, float(rate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the three source systems on 127.0.0.1")
    serve.add_argument("--scenario", type=Path, help="scenario YAML (see simulators/scenarios/FORMAT.md)")
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--dossiers", type=int, help="background volume of dossiers (default: the world's)")
    serve.add_argument("--fault", type=_fault, action="append", default=[], help="NAME=RATE, repeatable")
    serve.add_argument("--slow-seconds", type=float, default=5.0)
    check = sub.add_parser("check-scenario", help="say in seconds whether a scenario file can be reproduced, "
                                                  "and why not")
    check.add_argument("file", type=Path, help="scenario YAML (see simulators/scenarios/FORMAT.md)")
    sweep = sub.add_parser("sweep", help="try many random scenarios (consistent: must reproduce; broken: must be "
                                         "rejected naming the key); needs the dev dependencies")
    sweep.add_argument("--consistent", type=int, help="construct-only draws that must reproduce (default 200)")
    sweep.add_argument("--inconsistent", type=int, help="broken draws that must be rejected (default 100)")
    sweep.add_argument("--end-to-end", type=int, default=0, metavar="N",
                       help="N consistent draws through simulators, extractors and dbt, every figure read back "
                            "from the report tables (a minute or two each); alone, only these run")
    sweep.add_argument("--dossiers", type=int, default=500, help="background dossiers of an end-to-end world")
    pki = sub.add_parser("pki", help="write the simulated PKI's trust store and a world's revocation list")
    pki.add_argument("out", type=Path, help="writes OUT/trust_store/*.pem and OUT/revocations.csv")
    pki.add_argument("--scenario", type=Path)
    pki.add_argument("--seed", type=int, default=42)
    pki.add_argument("--dossiers", type=int)
    return parser


def build_world(args):
    from simulators.world import WorldConfig, build_world

    kwargs = {"seed": args.seed}
    if args.dossiers:
        kwargs["dossiers"] = args.dossiers
    if args.scenario:
        from simulators.scenario import load_scenario

        scenario = load_scenario(args.scenario)
        kwargs.update(seed=scenario.seed, scenario=scenario)
    return build_world(WorldConfig(**kwargs))


_BUCKET_NAMES = ("early", "on time", "late", "open within deadline", "open overdue")


def check_scenario(path: Path) -> int:
    """0 and the construction plan when the scenario is constructible; 1 and the reason (keys named) when not."""
    import numpy as np

    from simulators.scenario import ScenarioError, load_scenario
    from simulators.world import check_scenario as construct

    started = time.perf_counter()
    try:
        scenario = load_scenario(path)
        groups = construct(scenario)
    except (ScenarioError, OSError) as exc:
        print(f"NOT constructible: {exc}")
        return 1
    print(f"constructible: scenario {scenario.name}, {scenario.period_from} to {scenario.period_to}")
    for label, _, bucket in groups:
        new, carried = (np.bincount(bucket[part] % 10, minlength=5) for part in (bucket < 10, bucket >= 10))
        parts = ", ".join(f"{name} {n}+{c}" for name, n, c in zip(_BUCKET_NAMES, new, carried, strict=True))
        print(f"  {label.removeprefix(f'scenario {scenario.name} ')}: {bucket.size} dossiers "
              f"(received in the period + before it): {parts}")
    print(f"checked in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check-scenario":
        return check_scenario(args.file)
    if args.command == "sweep":
        from simulators import sweep

        alone = args.end_to_end and args.consistent is None and args.inconsistent is None
        status = 0 if alone else sweep.sweep(200 if args.consistent is None else args.consistent,
                                             100 if args.inconsistent is None else args.inconsistent)
        if args.end_to_end:
            status |= sweep.end_to_end(args.end_to_end, args.dossiers)
        return status
    if args.command == "pki":
        from simulators.world import pki

        for path in pki.write_trust_store(args.out / "trust_store"):
            print(path)
        print(build_world(args).write_revocation_list(args.out / "revocations.csv"))
        print("point CCHC_TRUST_STORE and CCHC_REVOCATION_LIST at these (docs/signatures.md)")
        return 0
    started = time.perf_counter()
    print("building the simulated world …", flush=True)
    world = build_world(args)
    faults = FaultConfig(**dict(args.fault), slow_seconds=args.slow_seconds)
    config = ClusterConfig(ports=SimulatorPorts.from_env(), credentials=SourceCredentials.from_env(),
                           faults=dict.fromkeys(SourceSystem, faults))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with SimulatorCluster(world, config) as cluster:
        print(f"world ready in {time.perf_counter() - started:.1f} s (as of {world.as_of:%Y-%m-%d %H:%M})")
        for system, url in cluster.base_urls.items():
            print(f"  {system.value:<18} {url}")
        print("Ctrl-C to stop.", flush=True)
        stop.wait()
    print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
