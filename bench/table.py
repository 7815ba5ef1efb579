"""`python -m bench.table OUT1 OUT2 …`: the README's per-scale table, one row per saved bench run.

Each argument is a bench OUT directory (or its bench.json), e.g. `.bench/1m .bench/10m .bench/30m`
(`make bench` writes each scale to its own). A stage a run did not reach shows "—".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HEADER = ("| scale | extract over HTTP | build | gate | publish | build + gate + publish | peak RSS | "
          "incremental (1 % changed), end to end: first of a month | an ordinary day | incremental peak RSS | "
          "dbt build / reference | "
          "identical to a full rebuild |")
NONE = "—"


def load(path: Path) -> dict:
    return json.loads((path / "bench.json" if path.is_dir() else path).read_text())


def _gib(stage: dict | None) -> float | None:
    return stage["peak_rss_bytes"] / 2**30 if stage else None


def _seconds(stage: dict | None) -> str:
    return f"{stage['seconds']:,.1f} s" if stage else NONE


def _day_cell(stage: dict | None) -> str:
    """A day's incremental run end to end, and its build + gate + publish."""
    if not stage:
        return NONE
    return f"{stage['seconds']:,.1f} s ({stage['build_seconds']} + {stage['gate_seconds']} + {stage['publish_seconds']})"


def row(report: dict) -> str:
    stages = report["stages"]
    extract, build, gate, publish = (stages.get(s) for s in ("extract", "build", "gate", "publish"))
    reference, incremental = stages.get("reference"), stages.get("incremental")
    alone = (f"; {extract['extractor_records_per_s']:,}/s the extractor alone" if extract and
             "extractor_records_per_s" in extract else "")
    extract_cell = (f"{extract['records_per_s']:,} dossiers/s ({report['sample']:,} sample{alone})" if extract else NONE)
    total = (f"{build['seconds'] + gate['seconds'] + publish['seconds']:,.1f} s" if build and gate and publish
             else NONE)
    peaks = [g for g in (_gib(build), _gib(gate), _gib(publish)) if g is not None]
    peak = f"{max(peaks):.2f} GiB" if peaks else NONE
    ordinary = stages.get("ordinary_day")
    incremental_cell, ordinary_cell = (_day_cell(incremental), _day_cell(ordinary))
    peaks_of_days = [g for g in (_gib(incremental), _gib(ordinary)) if g is not None]
    incremental_peak = f"{max(peaks_of_days):.2f} GiB" if peaks_of_days else NONE
    if incremental and "rebuild" not in stages and "identical_to_full_rebuild" in incremental:
        incremental_peak += " (with the full rebuild and its comparison, then one stage)"
    ratio = (f"{reference['build_ratio']}× (models involved {reference['models_ratio']}×)"
             if reference and "build_ratio" in reference else NONE)
    # runs before the rebuild stage compared inside the incremental stage
    compared = stages.get("rebuild") or (incremental if incremental and "identical_to_full_rebuild" in incremental
                                         else None)
    identical = str(compared["identical_to_full_rebuild"]) if compared else NONE
    label = (f"{report.get('scale_label', report['scale'])} ({report['scale']:,}, ×{report['copies']}, "
             f"{report['commit']})")
    return (f"| {label} | {extract_cell} | {_seconds(build)} | {_seconds(gate)} | {_seconds(publish)} | {total} | "
            f"{peak} | {incremental_cell} | {ordinary_cell} | {incremental_peak} | {ratio} | {identical} |")


def render(reports: list[dict]) -> str:
    align = "|" + "|".join(["---"] + ["---:"] * 10 + ["---"]) + "|"
    lines = [HEADER, align, *(row(r) for r in sorted(reports, key=lambda r: r["scale"]))]
    runs = "; ".join(f"{r.get('scale_label', r['scale'])}: {r['date']}, commit {r['commit']}, load average "
                     f"{r.get('load_average', NONE)}, DuckDB memory_limit {r.get('duckdb_memory_limit', NONE)}"
                     for r in sorted(reports, key=lambda r: r["scale"]))
    return "\n".join(lines) + f"\n\nRuns: {runs}.\n"


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="bench OUT directories or bench.json files")
    args = parser.parse_args(argv)
    table = render([load(p) for p in args.runs])
    print(table)
    return table


if __name__ == "__main__":
    main()
