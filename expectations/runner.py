"""Run every suite against the candidate warehouse, read-only, in bounded memory. Fail-closed."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from expectations import incremental
from expectations.framework import AuditResult, CheckResult, MartRows, NewBatches, Severity, Suite
from expectations.incremental import Plan
from expectations.suites import SUITES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frames:
    """GX's ephemeral context with the one pandas batch definition every frame is validated through: the
    context saves its configuration as YAML each time a data source is added (0.66 s of a 10M audit when
    each suite and chunk had its own), and a frame is a runtime parameter of the batch, whatever its
    columns."""

    context: object
    batches: object  # a whole-dataframe BatchDefinition


def _context() -> Frames:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}  # no tqdm in task logs
    asset = context.data_sources.add_pandas("frames").add_dataframe_asset(name="frame")
    return Frames(context, asset.add_batch_definition_whole_dataframe("whole"))


def _merge(results: dict[tuple, CheckResult], new: CheckResult) -> None:
    """Add one chunk's result to the suite's; `mostly` tolerances are re-judged on the totals (`_settle`)."""
    key = (new.expectation, new.column)
    old = results.get(key)
    if old is None:
        results[key] = new
        return
    old.success = old.success and new.success
    old.unexpected_count = (old.unexpected_count or 0) + (new.unexpected_count or 0)
    old.element_count = (old.element_count or 0) + (new.element_count or 0)
    old.missing_count = (old.missing_count or 0) + (new.missing_count or 0)
    old.sample = (old.sample + new.sample)[:20]
    old.error = old.error or new.error


def _settle(check: CheckResult) -> CheckResult:
    """A tolerance (`mostly`) holds over the whole table, however it was split into chunks: the share of
    unexpected values among the non-missing ones of every chunk together, as GX defines it per batch."""
    if check.mostly is None or check.error is not None or check.element_count is None:
        return check
    counted = check.element_count - (check.missing_count or 0)
    check.success = counted == 0 or (counted - (check.unexpected_count or 0)) / counted >= check.mostly
    return check


def _validate_frame(context: Frames, suite: Suite, frame, chunk: int) -> list[CheckResult]:
    import great_expectations as gx

    batch = context.batches.get_batch(batch_parameters={"dataframe": frame})
    expectations = gx.ExpectationSuite(name=f"{suite.name}_{chunk}", expectations=suite.expectations())
    outcome = batch.validate(expectations)
    checks = []
    for result in outcome.results:
        config = result.expectation_config
        info = result.exception_info or {}
        raised = info.get("raised_exception") if isinstance(info, dict) else False
        column = config.kwargs.get("column") or config.kwargs.get("column_A")
        if column is not None and column not in frame.columns:
            raised, info = True, {"exception_message": f"column {column!r} is not in {suite.target}"}
        details = result.result or {}
        checks.append(CheckResult(
            suite=suite.name, severity=suite.severity, target=suite.target, expectation=config.type,
            column=column, success=bool(result.success) and not raised,
            unexpected_count=details.get("unexpected_count"),
            element_count=details.get("element_count"), missing_count=details.get("missing_count"),
            mostly=config.kwargs.get("mostly"),
            sample=[str(v) for v in (result.result or {}).get("partial_unexpected_list", [])[:10]],
            error=info.get("exception_message") if raised else None,
        ))
    return checks


def _validate_query(context, con: duckdb.DuckDBPyConnection, suite: Suite, sql: str, *,
                    empty_too: bool = True) -> dict[tuple, CheckResult]:
    """GX over the query's rows, chunk by chunk, summed per check (not yet settled). Raises on error."""
    return _validate_reader(context, suite, con.sql(sql).to_arrow_reader(suite.chunk_rows), empty_too=empty_too)


def _validate_reader(context, suite: Suite, reader, *, empty_too: bool = True) -> dict[tuple, CheckResult]:
    merged: dict[tuple, CheckResult] = {}
    chunk = 0
    for batch in reader:
        frame = batch.to_pandas()
        for check in _validate_frame(context, suite, frame, chunk):
            _merge(merged, check)
        chunk += 1
    if chunk == 0 and empty_too:  # an empty result still has to satisfy the expectations
        import pandas as pd

        empty = pd.DataFrame({name: [] for name in reader.schema.names})
        for check in _validate_frame(context, suite, empty, 0):
            _merge(merged, check)
    return merged


@dataclass
class Started:
    """A suite's query already run by DuckDB, its rows waiting to stream (or the error it raised), on a
    cursor of its own, so several can wait at once (`start_queries`). Only suites without a `delta` start
    so: aggregates, whose few rows are what waits."""

    cursor: duckdb.DuckDBPyConnection
    reader: object = None  # a pyarrow RecordBatchReader
    error: Exception | None = None

    def close(self) -> None:
        self.cursor.close()


def start_queries(con: duckdb.DuckDBPyConnection, suites: list[Suite], landing: Path) -> dict[str, Started]:
    """Run the queries of the suites that always run in full before GX is ready. DuckDB computes a query
    when its reader is made (the aggregates of these suites whole) without holding the GIL, so the seconds
    Python spends importing GX (`audit`) pass while it works."""
    started = {}
    for suite in suites:
        if suite.delta is not None:  # whether it runs in full is known only with GX (its fingerprint)
            continue
        cursor = con.cursor()
        try:
            started[suite.name] = Started(cursor, cursor.sql(suite.sql.format(landing=landing))
                                          .to_arrow_reader(suite.chunk_rows))
        except Exception as exc:  # noqa: BLE001 - reported by run_suite, fail closed
            started[suite.name] = Started(cursor, error=exc)
    return started


def _errored(suite: Suite, exc: Exception) -> list[CheckResult]:
    log.exception("suite %s errored", suite.name)
    return [CheckResult(suite.name, suite.severity, suite.target, "suite", None, False,
                        error=f"{type(exc).__name__}: {exc}"[:500])]


def run_suite(context, con: duckdb.DuckDBPyConnection, suite: Suite, landing: Path,
              started: Started | None = None) -> list[CheckResult]:
    """One suite over all its rows, chunk by chunk (from `started` when its query already ran). Any error
    becomes a failed check naming the suite (fail-closed)."""
    try:
        if started is None:
            merged = _validate_query(context, con, suite, suite.sql.format(landing=landing))
        elif started.error is not None:
            raise started.error
        else:
            merged = _validate_reader(context, suite, started.reader)
    except Exception as exc:  # noqa: BLE001 - fail closed, whatever went wrong
        return _errored(suite, exc)
    return [_settle(check) for check in merged.values()]


def run_suite_incrementally(context, con: duckdb.DuckDBPyConnection, suite: Suite, landing: Path,
                            plan: Plan, base: dict[tuple, dict]) -> list[CheckResult] | None:
    """One suite over the rows that changed since the basis, combined with its stored totals
    (expectations/incremental.py); None when it has to run in full instead — also when reading the
    change fails: the full run then fails closed if the suite itself is broken."""
    try:
        if isinstance(suite.delta, NewBatches):
            if not all(check["success"] for check in base.values()):
                return None  # the basis failed it (a warning published anyway): old batches still count
            query = incremental.new_batches_query(plan, suite, landing)
            if query is None:
                return incremental.combine(suite, base, {}, {})
            return [_settle(check) for check in _validate_query(context, con, suite, query).values()]
        if isinstance(suite.delta, MartRows):
            changed, totals = incremental.mart_changes(con, suite)
            rows = _validate_query(context, con, suite, changed, empty_too=False)
            return incremental.settle_mart(suite, base, rows, totals)
        queries = incremental.changed_rows(plan, suite, landing)
        if queries is None:  # nothing this suite reads changed: the stored totals are today's
            return incremental.combine(suite, base, {}, {})
        old, new = (_validate_query(context, con, suite, sql, empty_too=False) for sql in queries)
    except Exception:  # noqa: BLE001 - e.g. a base release without the stamp column: the full run decides
        log.warning("suite %s: incremental reading failed, running it in full", suite.name, exc_info=True)
        return None
    return incremental.combine(suite, base, old, new)


def _run_started(context, con: duckdb.DuckDBPyConnection, suite: Suite, landing: Path,
                 waiting: dict[str, Started]) -> list[CheckResult]:
    query = waiting.pop(suite.name, None)
    try:
        return run_suite(context, con, suite, landing, query)
    finally:
        if query is not None:
            query.close()


def landing_checks(landing: Path, state_dir: Path | None = None) -> list[CheckResult]:
    """Checks the landing zone itself (not through GX): every visible batch matches its manifest and the
    declared schema; no damaged batch awaits re-extraction (both fail); open quarantine and windows not yet seen
    whole (warn)."""
    from extractors.landing import verify_landing
    from extractors.sources import declared_landing
    from extractors.state import Rework, ReworkLedger

    state_dir = state_dir or landing.parent / "state"
    results = []
    try:
        problems = [p.describe() for p in verify_landing(landing, declared_landing())]
        results.append(CheckResult("landing_integrity", Severity.FAIL, "landing zone", "batches_match_manifests",
                                   None, not problems, len(problems), problems[:20]))
    except Exception as exc:  # noqa: BLE001 - fail closed
        results.append(CheckResult("landing_integrity", Severity.FAIL, "landing zone", "batches_match_manifests",
                                   None, False, error=f"{type(exc).__name__}: {exc}"[:500]))
    items = [i for d in sorted(state_dir.glob("*/_rework.json")) for i in ReworkLedger(state_dir, d.parent.name).items()]
    damaged = [f"{i.system}/{i.entity} {i.start}..{i.end}: {i.reason}" for i in items if i.kind is Rework.DAMAGED]
    results.append(CheckResult("landing_awaiting_reextraction", Severity.FAIL, "landing zone",
                               "no_damaged_batch_awaits_reextraction", None, not damaged, len(damaged), damaged[:20]))
    now = datetime.now(UTC)
    open_q = [f"{i.system}/{i.entity} {len(i.keys)} key(s), age {(now - datetime.fromisoformat(i.first_seen)).days} d,"
              f" {i.attempts} re-request(s){' DEAD' if i.dead else ''}: {', '.join(i.keys[:3])}"
              if i.kind is Rework.QUARANTINE else
              f"{i.system}/{i.entity} window {i.start}..{i.end} not yet seen whole, {i.attempts} re-request(s)"
              f"{' DEAD' if i.dead else ''}: {i.reason}"
              for i in items if i.kind in (Rework.QUARANTINE, Rework.GAP)]
    results.append(CheckResult("open_quarantine", Severity.WARN, "quarantine", "no_open_quarantine", None,
                               not open_q, sum(len(i.keys) if i.kind is Rework.QUARANTINE else 1 for i in items
                                                   if i.kind in (Rework.QUARANTINE, Rework.GAP)),
                               open_q[:20]))
    return results


def audit(candidate: Path, landing: Path, suites: list[Suite] | None = None,
          state_dir: Path | None = None, *, basis: dict | None = None, base_release: Path | None = None) -> AuditResult:
    """Validate every suite (and, for the full audit, the landing zone itself); read-only.

    With the basis of the last published audit and that release's file, row-level suites judge only what
    changed since (`run_suite_incrementally`); without, or where the basis cannot be used, in full."""
    started = time.perf_counter()
    snapshot = incremental.landing_snapshot(landing) if landing.exists() else {}
    chosen = suites if suites is not None else SUITES
    # GX's import is seconds of pure Python (7 s of a 13.5 s audit under a profiler at 10M): it runs in a
    # thread while this one checks the landing zone and DuckDB runs the queries that need no GX
    with ThreadPoolExecutor(1, thread_name_prefix="gx-import") as pool:
        context_ready = pool.submit(_context)
        results: list[CheckResult] = landing_checks(landing, state_dir) if suites is None else []
        plan = Plan.of(basis, base_release, snapshot)
        fingerprints, modes, waiting = {}, {}, {}
        con = duckdb.connect(str(candidate), read_only=True)
        try:
            if plan is not None:
                try:
                    incremental.attach_base(con, plan)
                except duckdb.Error:  # an unreadable base release: nothing to combine with, audit in full
                    log.warning("base release %s unreadable: auditing in full", plan.base_release, exc_info=True)
                    plan = None
            waiting = start_queries(con, chosen, landing)
            context = context_ready.result()
            for suite in chosen:
                fingerprints[suite.name] = _fingerprint(suite)
                checks = None
                base = plan.base_checks(suite, fingerprints[suite.name]) if plan and suite.delta else None
                if base is not None:
                    checks = run_suite_incrementally(context, con, suite, landing, plan, base)
                modes[suite.name] = "full" if checks is None else "incremental"
                results += checks if checks is not None else _run_started(context, con, suite, landing, waiting)
        finally:
            for query in waiting.values():
                query.close()
            con.close()
    # a batch that landed (or was replaced) while the audit read: its totals may be half-counted
    steady = incremental.landing_snapshot(landing) == snapshot if landing.exists() else not snapshot
    return AuditResult(results, time.perf_counter() - started,
                       incremental.basis_of(snapshot, fingerprints, modes, results) if steady else None)


def _fingerprint(suite: Suite) -> str | None:
    try:
        return incremental.fingerprint(suite)
    except Exception:  # noqa: BLE001 - a suite whose expectations do not build runs (and fails) in full
        return None
