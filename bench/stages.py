"""One benchmark stage per process: `python -m bench.stages STAGE --data-dir D --result F`.

Each stage runs in its own process so the parent can read that process's peak RSS (children such
as dbt included) from `wait4`, untouched by earlier stages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb

from cchc.settings import Settings, SimulatorPorts, SourceSystem


def ports_from_env(default: SimulatorPorts) -> SimulatorPorts:
    """CCHC_SIM_{DISTRICT,WARD,DMS}_PORT where set (two benches side by side), else the bench's own ports."""
    return SimulatorPorts(**{name: int(os.environ.get(f"CCHC_SIM_{name.upper()}_PORT", getattr(default, name)))
                             for name in ("district", "ward", "dms")})


PORTS = ports_from_env(SimulatorPorts(district=18721, ward=18722, dms=18723))
# The default simulated world covers 2024-01-01..2024-06-30; its clock stops at the end of June.
EXTRACT_WINDOW = (datetime(2000, 1, 1), datetime(2024, 7, 1))
AS_OF = "2024-07-01"


def settings_for(data_dir: Path) -> Settings:
    return replace(Settings.from_env(), data_dir=data_dir, ports=PORTS)


def extract(settings: Settings) -> dict:
    """All three systems over HTTP into the landing zone; dossiers/s over the one-stop dossier endpoints,
    against the simulators (`records_per_s`, simulator included) and against the same pages pre-rendered
    and replayed by a trivial server (`extractor_records_per_s`, the extractor alone: bench/pages.py)."""
    from extractors.run import Window, extract_endpoint, extract_system

    window = Window(*EXTRACT_WINDOW)
    started = time.perf_counter()
    dossiers = 0
    for system in (SourceSystem.DISTRICT, SourceSystem.WARD):
        dossiers += extract_endpoint(system, "dossiers", settings, PORTS.base_url(system), window).counts["written"]
    dossier_seconds = time.perf_counter() - started
    alone = _extractor_alone(settings, window)
    started_rest = time.perf_counter()
    for system in SourceSystem:  # the rest: reference lists, events, ratings, documents (dossiers again: replaced)
        extract_system(system, settings, PORTS.base_url(system), window)
    return {"seconds": round(dossier_seconds + time.perf_counter() - started_rest, 2), "dossiers": dossiers,
            "dossier_endpoints_seconds": round(dossier_seconds, 2),
            "records_per_s": round(dossiers / dossier_seconds), **alone}


def _extractor_alone(settings: Settings, window) -> dict:
    """The dossier endpoints again, from pages rendered once off the running simulators (the same bytes
    and paging) and served by bench/pages.py in its own process, into a scratch landing zone."""
    import shutil

    from bench import pages
    from extractors.run import extract_endpoint

    rendered, scratch = settings.data_dir / "rendered-pages", settings.data_dir / "extractor-alone"
    try:
        pages.render_dossiers(PORTS, settings.credentials, (window.start, window.end), rendered)
        server = pages.PagesProcess.start(rendered)
        try:
            alone = replace(settings, data_dir=scratch, ports=server.ports)
            started, landed = time.perf_counter(), 0
            for system in (SourceSystem.DISTRICT, SourceSystem.WARD):
                landed += extract_endpoint(system, "dossiers", alone, server.ports.base_url(system),
                                           window).counts["written"]
            seconds = time.perf_counter() - started
        finally:
            server.stop()
    finally:
        shutil.rmtree(rendered, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return {"extractor_dossiers": landed, "extractor_seconds": round(seconds, 2),
            "extractor_records_per_s": round(landed / seconds)}


def build(settings: Settings, as_of: str = AS_OF, full_refresh: bool = True) -> dict:
    from warehouse.build import build_candidate

    result = build_candidate(settings, full_refresh=full_refresh, as_of_date=as_of)
    slowest = sorted(result.model_seconds.items(), key=lambda kv: -kv[1])
    return {"seconds": round(result.seconds, 2), "models_seconds": {k: round(v, 2) for k, v in slowest},
            "database_bytes": result.candidate.stat().st_size,
            "fct_dossier_rows": _count(result.candidate, "marts.fct_dossier")}


def reference(settings: Settings) -> dict:
    """The hand-written DuckDB pipeline (bench/reference.py) over the same landing zone; equal to the marts."""
    from bench import reference as hand_written
    from warehouse.build import candidate_path

    result = hand_written.run(settings.landing_dir, settings.data_dir / "warehouse" / "reference.duckdb", AS_OF,
                              settings.duckdb_config)
    differences = hand_written.compare(result.database, candidate_path(settings), settings.duckdb_config)
    if differences:
        raise AssertionError(f"the hand-written reference differs from the dbt marts (rows): {differences}")
    return {"seconds": round(result.seconds, 2), "rows": result.rows,
            "identical_to_dbt": True, "compared_columns": {t: list(c) for t, c in hand_written.COMPARED.items()},
            "dbt_models_involved_seconds": round(_lineage_seconds(settings, hand_written.COMPARED), 2)}


def _lineage_seconds(settings: Settings, models) -> float:
    """Execution time of the dbt models the given marts are built from (themselves included), last build."""
    target = settings.data_dir / "warehouse" / "dbt_target"
    manifest = json.loads((target / "manifest.json").read_text())
    timings = {r["unique_id"]: r["execution_time"]
               for r in json.loads((target / "run_results.json").read_text())["results"]}
    todo = [f"model.cchc_warehouse.{m}" for m in models]
    seen: set[str] = set()
    while todo:
        node = todo.pop()
        if node in seen or not node.startswith(("model.", "seed.")):
            continue
        seen.add(node)
        todo += manifest["nodes"][node].get("depends_on", {}).get("nodes", [])
    return sum(timings.get(node, 0.0) for node in seen)


def gate(settings: Settings) -> dict:
    from warehouse.pipeline import audit_and_gate

    started = time.perf_counter()
    gated = audit_and_gate(settings, name="bench")  # incremental from the last published audit, if any
    seconds = time.perf_counter() - started
    gated.save(settings.data_dir / "audits" / "bench.json")
    modes = (gated.result.basis or {}).get("modes", {})
    return {**gated.result.summary(), "seconds": round(seconds, 2),
            "incremental_suites": sorted(name for name, mode in modes.items() if mode == "incremental")}


def publish(settings: Settings) -> dict:
    from warehouse.build import candidate_path
    from warehouse.publish import GatedAudit
    from warehouse.publish import publish as publish_release

    audit = GatedAudit.load(settings.data_dir / "audits" / "bench.json")
    started = time.perf_counter()
    release = publish_release(settings, candidate_path(settings), audit)
    manifest = json.loads((settings.data_dir / "releases" / release / "release.json").read_text())
    return {"seconds": round(time.perf_counter() - started, 2), "release": release,
            "marts_copied_as": manifest["marts_copied_as"]}


def incremental(settings: Settings) -> dict:
    """The next day, 1 July: ~1 % of dossiers change; incremental build → gate → publish. The first day of
    a month: the II.06a counts gain a period and are counted again."""
    from bench.landing import NEXT_DAY

    return _day(settings, NEXT_DAY)


def ordinary_day(settings: Settings) -> dict:
    """The day after, 2 July, as every other day of a month: another ~1 % of dossiers change; incremental
    build → gate → publish on what the incremental stage left."""
    from bench.landing import NEXT_DAY, ORDINARY_DAY, days_landed

    if NEXT_DAY not in days_landed(settings.landing_dir):
        raise SystemExit("[bench] ordinary_day follows the incremental stage: run it first (--stages incremental,ordinary_day)")
    return _day(settings, ORDINARY_DAY)


def _day(settings: Settings, day) -> dict:
    from bench.landing import land_next_day

    changed = land_next_day(settings.landing_dir, day=day)
    started = time.perf_counter()
    built = build(settings, as_of=day.as_of, full_refresh=False)
    audited = gate(settings)
    published = publish(settings)
    return {"seconds": round(time.perf_counter() - started, 2), "day": day.day.isoformat(),
            "as_of": day.as_of, "dossiers_changed": changed, "ii06a_counts": _ii06a_counted(settings),
            "build_seconds": built["seconds"], "gate_seconds": audited["seconds"],
            "publish_seconds": published["seconds"], "models_seconds": built["models_seconds"]}


def _ii06a_counted(settings: Settings) -> str:
    """How the last build counted the II.06a reports ('recount' or 'delta'), as its compiled SQL says."""
    target = settings.data_dir / "warehouse" / "dbt_target" / "compiled"
    (compiled,) = target.glob("**/int_ii06a_counts.sql")
    found = re.search(r"-- counted: (\w+)", compiled.read_text())
    if not found:
        raise RuntimeError(f"{compiled}: no '-- counted:' line (macro ii06a_counts)")
    return found.group(1)


def rebuild(settings: Settings) -> dict:
    """A full rebuild of the landing zone the incremental stage left, compared mart by mart with the
    incremental candidate (warehouse.compare, under the build's memory limit). Its own stage, so its
    peak RSS is not the incremental run's. The rebuilt files are removed after (disk at 30M)."""
    from bench.landing import latest_day_landed
    from warehouse.build import build_candidate, work_path
    from warehouse.compare import compare_marts

    rebuilt = settings.data_dir / "warehouse" / "full_rebuild.duckdb"
    as_of = latest_day_landed(settings.landing_dir).as_of
    full = build_candidate(settings, full_refresh=True, as_of_date=as_of, candidate=rebuilt)
    started = time.perf_counter()
    differences = compare_marts(settings.data_dir / "warehouse" / "candidate.duckdb", full.candidate,
                                config=settings.duckdb_config)
    if differences:
        raise AssertionError(f"incremental build differs from a full rebuild: {differences}")
    compare_seconds = time.perf_counter() - started
    marts = _marts(full.candidate)
    for path in (rebuilt, work_path(rebuilt)):
        path.unlink(missing_ok=True)
    return {"seconds": round(full.seconds + compare_seconds, 2),
            "full_rebuild_seconds": round(full.seconds, 2), "compare_seconds": round(compare_seconds, 2),
            "as_of": as_of, "identical_to_full_rebuild": True, "identical_by_mart": {mart: True for mart in marts}}


def _marts(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [t for (t,) in con.execute("select table_name from information_schema.tables "
                                          "where table_schema = 'marts' order by 1").fetchall()]
    finally:
        con.close()


def _count(path: Path, table: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


STAGES = {"extract": extract, "build": build, "reference": reference, "gate": gate, "publish": publish,
          "incremental": incremental, "ordinary_day": ordinary_day, "rebuild": rebuild}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    result = STAGES[args.stage](settings_for(args.data_dir))
    args.result.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
