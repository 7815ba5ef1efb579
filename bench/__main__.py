"""`python -m bench --scale 1m --out DIR`: the whole pipeline at a chosen scale (`make bench`).

1. extract: the simulators serve a world of min(scale, --sample) dossiers (+ a fifth as many
   documents); all three systems are extracted over HTTP into a fresh landing zone;
2. the landed sample is copied with rewritten keys up to the scale (bench/landing.py says why);
3. build (dbt, full refresh); reference: the hand-written DuckDB pipeline (bench/reference.py) over
   the same landing zone, asserted equal to the marts, and the build's ratio to it; gate (GX), publish,
   then incremental (~1 % of dossiers change the next day, 1 July, the first of a month: incremental
   build → gate → publish), ordinary_day (another ~1 % on 2 July, a day like the rest of the month) and
   rebuild (a full rebuild of the last day landed, asserted equal to the incremental candidate, mart by mart).
Every stage runs in its own process; its peak RSS comes from wait4. Writes OUT/bench.json and
OUT/bench.md (`make bench` puts each scale in its own OUT, .bench/<scale>; `python -m bench.table`
renders one README row per scale from them).

In parts (a 30M run on a shared machine): `--stages build,reference` runs only those stages on the
landing zone and warehouse already in OUT (earlier results in OUT/bench.json are kept);
`--reuse-landing DIR` starts from the landing zone of another run (hard links: parts are immutable)
instead of extracting. CCHC_DUCKDB_MEMORY_LIMIT defaults by scale (MEMORY_LIMITS) unless set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.landing import BENCH_DAYS, replicate
from bench.pages import start_simulators
from bench.stages import PORTS
from cchc.landing_layout import batch_name

STAGES = ("extract", "build", "reference", "gate", "publish", "incremental", "ordinary_day", "rebuild")
SAMPLE_MAX = 1_000_000
# What the scaled landing zone holds (sample, copies): written beside it, read back by --reuse-landing / --stages.
LANDING_INFO = ".bench-landing.json"
# DuckDB memory_limit of the build and the reference per scale (up to N dossiers), unless
# CCHC_DUCKDB_MEMORY_LIMIT is set: DuckDB spills above it, and the process (dbt, Python, Arrow) holds
# ~1.5–2 GiB more, so the limit stays that far under the goals: 10M ≤ 6 GiB, 30M ≤ 12 GiB peak RSS.
MEMORY_LIMITS = ((10_000_000, "4GB"), (None, "10GB"))


def memory_limit_for(scale: int) -> str:
    return next(limit for upto, limit in MEMORY_LIMITS if upto is None or scale <= upto)


def scale_label(scale: int) -> str:
    """1,000,000 → '1m', 20,000 → '20k' (the inverse of parse_scale for round figures)."""
    for suffix, factor in (("m", 1_000_000), ("k", 1_000)):
        if scale >= factor and scale % (factor // 10) == 0:
            return f"{scale / factor:g}{suffix}"
    return str(scale)


def parse_scale(text: str) -> int:
    """'1m' → 1,000,000; '20k' → 20,000; plain integers as they are."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def run_stage(stage: str, data_dir: Path, out: Path, env: dict[str, str] | None = None) -> dict:
    result_file = out / f"{stage}.result.json"
    result_file.unlink(missing_ok=True)
    print(f"[bench] {stage} …", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.stages", stage, "--data-dir", str(data_dir),
                             "--result", str(result_file)], env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"[bench] stage {stage} failed (exit {proc.returncode}); see its output above")
    result = json.loads(result_file.read_text())
    result["peak_rss_bytes"] = usage.ru_maxrss * 1024  # Linux reports KiB; includes reaped children (dbt)
    result["process_wall_seconds"] = round(wall, 2)
    print(f"[bench] {stage}: {result['seconds']} s, peak RSS {result['peak_rss_bytes'] / 2**30:.2f} GiB", flush=True)
    return result


def add_ratios(stages: dict[str, dict]) -> None:
    """The dbt build's time over the reference's: the whole build (tests and every mart included) and the
    models fct_dossier and rpt_dossier_period are built from."""
    ref = stages["reference"]
    ref["build_ratio"] = round(stages["build"]["seconds"] / ref["seconds"], 2)
    ref["models_ratio"] = round(ref["dbt_models_involved_seconds"] / ref["seconds"], 2)
    print(f"[bench] dbt build / hand-written reference: {ref['build_ratio']}× (models involved "
          f"{ref['models_ratio']}×)", flush=True)


def _note(name: str, stage: dict) -> str:
    if name == "extract":
        return (f"{stage['dossiers']:,} dossiers over HTTP, {stage['records_per_s']:,} dossiers/s (dossier endpoints, "
                f"nested entities included); all three systems {stage['seconds']} s")
    if name == "build":
        slowest = ", ".join(f"{k} {v} s" for k, v in list(stage["models_seconds"].items())[:3])
        return (f"{stage['fct_dossier_rows']:,} fct_dossier rows; database {stage['database_bytes'] / 2**20:,.0f} MiB;"
                f" slowest models: {slowest}")
    if name == "reference":
        return (f"hand-written DuckDB SQL, fct_dossier + rpt_dossier_period; dbt build / reference = "
                f"{stage['build_ratio']}× (the dbt models involved: {stage['models_ratio']}×); "
                f"identical to the dbt marts: {stage['identical_to_dbt']}")
    if name == "gate":
        return f"{stage['checks']} checks, {stage['failed']} failed, {stage['warnings']} warnings"
    if name == "publish":
        return f"release {stage['release']}"
    if name in ("incremental", "ordinary_day"):
        day = f" on {stage['day']}" if "day" in stage else ""
        return (f"{stage['dossiers_changed']:,} dossiers changed{day}; build {stage['build_seconds']} s, gate "
                f"{stage['gate_seconds']} s, publish {stage['publish_seconds']} s")
    return (f"full rebuild {stage['full_rebuild_seconds']} s, compared in {stage['compare_seconds']} s; the incremental "
            f"candidate is identical to it: {stage['identical_to_full_rebuild']} ({len(stage['identical_by_mart'])} "
            f"marts, each compared)")


def markdown(report: dict) -> str:
    rows = ["| stage | seconds | peak RSS (GiB) | notes |", "|---|---:|---:|---|"]
    for name in (n for n in STAGES if n in report["stages"]):
        stage = report["stages"][name]
        rows.append(f"| {name} | {stage['seconds']} | {stage['peak_rss_bytes'] / 2**30:.2f} | {_note(name, stage)} |")
    head = (f"Scale {report['scale']:,} dossiers ({report['sample']:,} extracted over HTTP × {report['copies']}), "
            f"{report['date']}, {report['machine']}, commit {report['commit']}\n\n")
    return head + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="1m", help="dossiers in total: 20k, 1m, 10m, 30m (default 1m)")
    parser.add_argument("--out", type=Path, default=Path(".bench"), help="where bench.json/bench.md and the data go")
    parser.add_argument("--sample", default="1m", help="at most this many dossiers are extracted over HTTP")
    parser.add_argument("--stages", default=",".join(STAGES),
                        help=f"comma-separated subset of {','.join(STAGES)} (default all); without extract, the "
                             "landing zone (and for later stages the warehouse) in OUT, or --reuse-landing, is used")
    parser.add_argument("--reuse-landing", type=Path, metavar="DIR",
                        help="the landing zone of an earlier run (OUT/data/landing) to build on instead of extracting")
    args = parser.parse_args(argv)
    stages_wanted = _stages(args.stages, args.reuse_landing)
    out = args.out.resolve()
    data_dir = out / "data"
    stages: dict[str, dict] = {}
    if "extract" in stages_wanted:
        landing_info = _extract_and_scale(parse_scale(args.scale), parse_scale(args.sample), data_dir, out, stages)
    else:
        # earlier results kept: of this OUT, or only the extraction of the run whose landing zone is reused
        reused = args.reuse_landing is not None and args.reuse_landing.resolve() != (data_dir / "landing").resolve()
        previous = _previous(args.reuse_landing.resolve().parents[1]) if reused else _previous(out)
        stages.update({k: v for k, v in previous.get("stages", {}).items() if not reused or k == "extract"})
        landing_info = _existing_landing(data_dir, args.reuse_landing)
        if landing_info["scale"] != parse_scale(args.scale):
            print(f"[bench] the landing zone holds {landing_info['scale']:,} dossiers (--scale {args.scale} ignored)",
                  flush=True)
        if "build" in stages_wanted:  # the day the build starts from: drop the days an incremental run landed
            _drop_bench_days(data_dir / "landing")
    memory_limit = os.environ.get("CCHC_DUCKDB_MEMORY_LIMIT") or memory_limit_for(landing_info["scale"])
    for stage in STAGES[1:]:
        if stage in stages_wanted:
            stages[stage] = run_stage(stage, data_dir, out, {"CCHC_DUCKDB_MEMORY_LIMIT": memory_limit})
        if stage == "reference" and {"build", "reference"} <= set(stages) and stages_wanted & {"build", "reference"}:
            add_ratios(stages)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    report = {**landing_info, "scale_label": scale_label(landing_info["scale"]),
              "duckdb_memory_limit": memory_limit,
              "date": datetime.now(UTC).strftime("%Y-%m-%d"),
              "machine": f"{os.cpu_count()} cores, {_memory_gib()} GiB, {platform.system()} {platform.machine()}",
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "commit": commit or "unknown", "stages_run": [s for s in STAGES if s in stages_wanted],
              "stages": {name: stages[name] for name in STAGES if name in stages}}
    (out / "bench.json").write_text(json.dumps(report, indent=2))
    table = markdown(report)
    (out / "bench.md").write_text(table)
    print(table)
    return report


def _stages(text: str, reuse: Path | None) -> set[str]:
    wanted = {s.strip() for s in text.split(",") if s.strip()}
    unknown = wanted - set(STAGES)
    if unknown or not wanted:
        raise SystemExit(f"[bench] unknown stage(s) {sorted(unknown)}; choose from {','.join(STAGES)}")
    if reuse is not None:
        if "extract" in wanted and text != ",".join(STAGES):
            raise SystemExit("[bench] --reuse-landing replaces the extract stage; drop extract from --stages")
        wanted.discard("extract")
    return wanted


def _extract_and_scale(scale: int, sample_max: int, data_dir: Path, out: Path, stages: dict) -> dict:
    """A fresh landing zone: the sample extracted over HTTP, copied up to the scale."""
    sample = min(scale, sample_max)
    copies = max(1, round(scale / sample))
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    print(f"[bench] simulators: building a world of {sample:,} dossiers …", flush=True)
    server = start_simulators(sample, PORTS)
    try:
        stages["extract"] = run_stage("extract", data_dir, out)
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(f"[bench] copying the landed sample ×{copies} …", flush=True)
    started = time.perf_counter()
    replicate(data_dir / "landing", copies)
    extracted = stages["extract"]["dossiers"]
    info = {"scale": extracted * copies, "sample": extracted, "copies": copies,
            "prepare_seconds": round(time.perf_counter() - started, 2)}
    print(f"[bench] copied in {info['prepare_seconds']} s", flush=True)
    (data_dir / "landing" / LANDING_INFO).write_text(json.dumps(info))
    return info


def _existing_landing(data_dir: Path, reuse: Path | None) -> dict:
    """The landing zone of OUT, or a hard-linked copy of --reuse-landing's (a fresh warehouse then)."""
    landing = data_dir / "landing"
    if reuse is not None and reuse.resolve() != landing.resolve():
        source = reuse.resolve()
        if not (source / LANDING_INFO).exists():
            raise SystemExit(f"[bench] --reuse-landing {source}: no {LANDING_INFO}, not a landing zone made by the bench")
        shutil.rmtree(data_dir, ignore_errors=True)
        started = time.perf_counter()
        shutil.copytree(source, landing, copy_function=os.link,
                        ignore=shutil.ignore_patterns(*(batch_name(d.batch_id) for d in BENCH_DAYS), ".tmp-*", ".trash-*",
                                              ".lock"))
        print(f"[bench] landing zone of {source} linked in {time.perf_counter() - started:.1f} s", flush=True)
    if not (landing / LANDING_INFO).exists():
        raise SystemExit(f"[bench] no landing zone made by the bench in {landing}: run the extract stage, "
                         "or give --reuse-landing DIR")
    return json.loads((landing / LANDING_INFO).read_text())


def _drop_bench_days(landing: Path) -> None:
    for day in BENCH_DAYS:
        for batch in landing.glob(f"*/*/{batch_name(day.batch_id)}"):
            shutil.rmtree(batch)


def _previous(out: Path) -> dict:
    try:
        return json.loads((out / "bench.json").read_text())
    except (OSError, ValueError):
        return {}


def _memory_gib() -> int:
    import psutil

    return round(psutil.virtual_memory().total / 2**30)


if __name__ == "__main__":
    main()
