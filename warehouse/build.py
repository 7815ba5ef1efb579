"""Run dbt (dbt-duckdb) to build the CANDIDATE warehouse file from the landing zone.

The candidate is never the published file: BI tools only ever open what the quality gate published.
Before dbt runs, the landing zone is repaired and verified (extractors/integrity.py): a damaged batch
stops the build with `LandingDamaged` naming system, entity, batch and file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cchc.settings import REPO_ROOT, Settings
from expectations.framework import CheckResult, Severity
from expectations.store import dbt_failures, first_line, record_audit
from extractors.integrity import prepare_landing
from extractors.landing import LandingDamaged
from warehouse import release_file

DBT_PROJECT = REPO_ROOT / "dbt_project"


class BuildFailed(RuntimeError):
    """dbt reported an error or a failing test; the message lists them."""


@dataclass(frozen=True)
class BuildResult:
    candidate: Path
    seconds: float
    results: list[dict]  # per node: unique_id, status, execution_time
    log: str = ""  # dbt's console output

    @property
    def model_seconds(self) -> dict[str, float]:
        return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in self.results
                if r["unique_id"].startswith("model.")}


def candidate_path(settings: Settings) -> Path:
    return settings.data_dir / "warehouse" / "candidate.duckdb"


def work_path(candidate: Path) -> Path:
    """The file beside a candidate that holds its staging, intermediate and seed tables (profiles.yml)."""
    return candidate.with_name(candidate.stem + ".work.duckdb")


def start_afresh(candidate: Path) -> None:
    """Before a full refresh of the whole project: remove the candidate and its work file (and their
    write-ahead logs), then create the candidate again. DuckDB reuses the blocks a rebuild frees but did not
    shrink the file: at 10M a marts file rebuilt in place stayed 4.0 GB against 2.0 GB built fresh, and
    publish copies that file whole into every release (README, the 13a2951 and 86ab8c2 runs). Nothing is
    lost: the candidate is rebuilt from the landing zone, and releases are copies of their own."""
    for path in (candidate, work_path(candidate)):
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
    create_candidate(candidate)


def create_candidate(candidate: Path) -> None:
    """A new candidate file in the release storage format, so a release can be its byte copy (publish)."""
    if candidate.exists():
        return
    candidate.parent.mkdir(parents=True, exist_ok=True)
    release_file.open_for_writing(candidate).close()


# The values of one run reach dbt as environment variables, not --vars: dbt keys its partial parse on the
# --vars given (a new as-of date re-parsed the whole project, ~9 s of every build), and the macros read
# these only at run time (macros/run_values.sql), so they are not part of the parse.
AS_OF_ENV = "CCHC_AS_OF_DATE"
CHANGED_SINCE_ENV = "CCHC_CHANGED_SINCE"


def dbt_env(settings: Settings, candidate: Path | None = None, run: dict[str, str] | None = None) -> dict[str, str]:
    """dbt's environment: the candidate's files and DuckDB settings, and `run` (build_env) — never a value of
    an earlier run left in this process's environment."""
    candidate = candidate or candidate_path(settings)
    inherited = {k: v for k, v in os.environ.items() if k not in (AS_OF_ENV, CHANGED_SINCE_ENV)}
    return {**inherited, **(run or {}), "CCHC_DATA_DIR": str(settings.data_dir),
            "CCHC_WAREHOUSE_PATH": str(candidate), "CCHC_WAREHOUSE_WORK_PATH": str(work_path(candidate)),
            "CCHC_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
            "CCHC_DUCKDB_TEMP_DIR": str(settings.duckdb_temp_dir),
            "DBT_PROFILES_DIR": str(DBT_PROJECT), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def run_dbt(settings: Settings, *args: str, candidate: Path | None = None,
            run: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).parent / "dbt"
    target_path = settings.data_dir / "warehouse" / "dbt_target"
    return subprocess.run([str(dbt), *args, "--project-dir", str(DBT_PROJECT), "--target-path", str(target_path)],
                          env=dbt_env(settings, candidate, run), capture_output=True, text=True, cwd=DBT_PROJECT)


WATERMARK_COLUMNS = ("_extracted_at", "source_extracted_at")


def changed_since(candidate: Path) -> dict[str, str]:
    """Where an incremental build's data tests start (CCHC_CHANGED_SINCE, macro get_where_subquery): per
    incremental table of the candidate and of its work file (staging, intermediate), the newest watermark
    it holds, so every row the build writes there is newer. Empty (test whole tables) when there is no
    candidate yet."""
    if not candidate.exists():
        return {}
    held = _held_watermarks(candidate)
    if work_path(candidate).exists():
        held |= _held_watermarks(work_path(candidate))
    return held


def _held_watermarks(path: Path) -> dict[str, str]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select c.schema_name, c.table_name, c.column_name from duckdb_columns() as c join duckdb_tables() as t"
            " using (database_name, schema_name, table_name) where c.column_name in (?, ?)",
            list(WATERMARK_COLUMNS)).fetchall()
        held = {table: con.execute(f'select max("{column}") from "{schema}"."{table}"').fetchone()[0]
                for schema, table, column in columns}
    finally:
        con.close()
    return {table: value.isoformat() for table, value in held.items() if value is not None}


def build_flags(full_refresh: bool) -> list[str]:
    """A full refresh runs the unit tests (the on-time and scoring rules on fixed inputs); an incremental
    build leaves them out: their inputs are fixtures, not the day's data, so they give the same answer
    as at the last full build and in CI (dbt's own advice for production runs)."""
    return ["--full-refresh"] if full_refresh else ["--exclude-resource-type", "unit_test"]


def build_env(candidate: Path, *, full_refresh: bool, as_of_date: str | None) -> dict[str, str]:
    """The run's values for dbt (see AS_OF_ENV): the as-of date, and for an incremental build where its data
    tests start."""
    found = {} if full_refresh else changed_since(candidate)
    return {k: v for k, v in {AS_OF_ENV: as_of_date, CHANGED_SINCE_ENV: found and json.dumps(found)}.items() if v}


def prepare_or_block(settings: Settings) -> list[str]:
    """Repair and verify the landing zone before a build; a damaged zone is recorded as a blocked run in
    the audit store (naming each damaged file) and raises LandingDamaged."""
    try:
        return prepare_landing(settings)
    except LandingDamaged as exc:
        problems = [p.describe() for p in exc.problems]
        record_audit(settings.data_dir / "audits", [CheckResult(
            "landing_integrity", Severity.FAIL, "landing zone", "batches_match_manifests", None, False,
            len(problems), problems[:20])], outcome="blocked", stage="prepare")
        raise


def build_candidate(settings: Settings, *, full_refresh: bool = True, as_of_date: str | None = None,
                    candidate: Path | None = None) -> BuildResult:
    """`dbt build` into the candidate file; raises BuildFailed listing failing nodes."""
    candidate = candidate or candidate_path(settings)
    prepare_or_block(settings)  # raises LandingDamaged: nothing is built from a damaged zone
    if full_refresh:
        start_afresh(candidate)
    else:
        create_candidate(candidate)
    run = build_env(candidate, full_refresh=full_refresh, as_of_date=as_of_date)
    started = time.perf_counter()
    proc = run_dbt(settings, "build", *build_flags(full_refresh), candidate=candidate, run=run)
    seconds = time.perf_counter() - started
    run_results = settings.data_dir / "warehouse" / "dbt_target" / "run_results.json"
    results = []
    if run_results.exists():
        results = [{"unique_id": r["unique_id"], "status": r["status"], "execution_time": r["execution_time"],
                    "message": r.get("message")} for r in json.loads(run_results.read_text())["results"]]
    failed = [r for r in results if r["status"] in ("error", "fail")]
    if proc.returncode != 0 or failed:
        lines = [f"  {r['unique_id']}: {r['status']}: {r['message']}" for r in failed] or [proc.stdout[-3000:]]
        checks = dbt_failures(failed or [{"unique_id": "dbt build", "status": f"exit code {proc.returncode}",
                                          "message": proc.stdout[-500:]}])
        record_audit(settings.data_dir / "audits", checks, outcome="blocked", stage="build")
        raise BuildFailed(f"dbt build failed at {first_line(checks[0])}\n" + "\n".join(lines))
    return BuildResult(candidate, seconds, results, proc.stdout)
