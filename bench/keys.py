"""`python -m bench.keys CANDIDATE`: what an integer surrogate key would buy the incremental build (issue 19).

Every incremental step of the per-dossier chain finds a day's changed dossiers (~1 %) in tables of
10M-40M rows by `dossier_id`, a string: the semi-join of the ward events, the join of the trail, and
dbt's delete+insert (`delete … where dossier_id in (select dossier_id from <new rows>)`). This copies the
candidate's `fct_dossier_event` (the largest) into a scratch file with a 64-bit key computed from the
natural key beside it, samples the changed dossiers, and times each of the three statements by the string
key and by the integer key, each in a fresh process, median of REPEAT, the delete rolled back. It also
counts distinct keys against distinct dossier_ids, so a collision of the key would show.
Nothing of the warehouse changes: the candidate is opened read-only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

# md5_number_lower: the lower 64 bits of the MD5 of the key, defined by RFC 1321 and so the same in every
# DuckDB version (DuckDB's hash() makes no such promise, and a key stored in held rows must not change).
KEY = "md5_number_lower(dossier_id)"
STATEMENTS = {
    "semi_join": "select count(*), max(occurred_at) from e where {col} in (select {col} from changed)",
    "join": "select count(*) from (select c.{col}, min(e.occurred_at) from changed as c join e on e.{col} = c.{col} "
            "group by all)",
    "delete": "delete from e where {col} in (select {col} from changed)",
}
COLUMNS = {"string": "dossier_id", "integer": "k"}


def prepare(candidate: Path, scratch: Path, changed: int) -> dict:
    con = duckdb.connect(str(scratch))
    try:
        con.execute(f"attach '{candidate}' as c (read_only)")
        con.execute(f"create table e as select dossier_id, {KEY} as k, * exclude (dossier_id) "
                    "from c.marts.fct_dossier_event")
        con.execute(f"create table changed as select dossier_id, {KEY} as k from "
                    f"(select dossier_id from c.marts.fct_dossier) using sample reservoir({int(changed)} rows) repeatable (19)")
        rows, keys, ids = con.execute("select count(*), count(distinct k), count(distinct dossier_id) from e").fetchone()
    finally:
        con.close()
    return {"event_rows": rows, "distinct_keys": keys, "distinct_dossier_ids": ids, "changed_dossiers": changed}


def time_one(scratch: Path, statement: str, key: str, memory_limit: str) -> float:
    """One statement in this process (the parent runs each in a fresh one)."""
    con = duckdb.connect(str(scratch), read_only=statement != "delete")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute("begin")
    started = time.perf_counter()
    con.execute(STATEMENTS[statement].format(col=COLUMNS[key])).fetchall()
    seconds = time.perf_counter() - started
    con.execute("rollback")
    con.close()
    return seconds


def run(candidate: Path, changed: int, repeat: int, memory_limit: str) -> dict:
    with tempfile.TemporaryDirectory(dir=candidate.parent) as tmp:
        scratch = Path(tmp) / "keys.duckdb"
        started = time.perf_counter()
        report = prepare(candidate, scratch, changed)
        report["prepare_seconds"] = round(time.perf_counter() - started, 2)
        for statement in STATEMENTS:
            runs = {key: [] for key in COLUMNS}
            for _ in range(repeat):  # alternate, so a drift of the machine hits both
                for key in COLUMNS:
                    out = subprocess.run([sys.executable, "-m", "bench.keys", str(scratch), "--one", statement, key,
                                          "--memory-limit", memory_limit], capture_output=True, text=True, check=True)
                    runs[key].append(float(out.stdout.strip()))
            medians = {key: statistics.median(v) for key, v in runs.items()}
            report[statement] = {"string_s": round(medians["string"], 3), "integer_s": round(medians["integer"], 3),
                                 "ratio": round(medians["string"] / medians["integer"], 2),
                                 "runs": {k: [round(x, 3) for x in v] for k, v in runs.items()}}
    return report


def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(prog="python -m bench.keys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidate", type=Path, help="a built candidate.duckdb (e.g. .bench/10m/data/warehouse/)")
    parser.add_argument("--changed", type=int, default=110_000, help="dossiers changed in a day (default ~1 %% of 10M)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--one", nargs=2, metavar=("STATEMENT", "KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(time_one(args.candidate, *args.one, args.memory_limit))
        return None
    report = run(args.candidate, args.changed, args.repeat, args.memory_limit)
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
