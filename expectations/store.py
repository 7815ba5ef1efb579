"""The audit store: every audit — published or blocked — as one Parquet file of its checks, beside the
releases in `<data>/audits/store/`, so a blocked run's reasons can be queried without any release:

    select * from read_parquet('<data>/audits/store/*.parquet') where outcome = 'blocked' order by audited_at

One file per audit (written to a temporary name, then renamed): readers never see half an audit and
concurrent runs never contend for a lock. It is the one home of the audit history: the quality report's
history table is read from here (`history`). Every run that is blocked — landing damaged (stage
`prepare`), dbt failed in any dbt mode (stage `build`: `warehouse.build`, `pipeline.dbt_tasks`), the gate
failed (stage `audit`) — or published writes its row set; the several failing tasks of one Cosmos run
add to the same audit id (`merge`).

A published audit also leaves its basis beside its checks, `<audit id>.basis.json` (the batches it saw,
its suites' fingerprints and whole-table totals): what the next audit starts from to judge only what
changed (expectations/incremental.py). The newest basis is the one used (`latest_basis`).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from expectations.framework import CheckResult, Severity

STORE = "store"
COLUMNS = pa.schema([
    ("audit_id", pa.string()), ("audited_at", pa.timestamp("us", tz="UTC")), ("outcome", pa.string()),
    ("release_id", pa.string()), ("stage", pa.string()), ("suite", pa.string()), ("severity", pa.string()),
    ("target", pa.string()), ("expectation", pa.string()), ("column", pa.string()), ("success", pa.bool_()),
    ("unexpected_count", pa.int64()), ("element_count", pa.int64()), ("sample", pa.string()),
    ("error", pa.string()),
])


def store_dir(audits_dir: Path) -> Path:
    return audits_dir / STORE


def record_audit(audits_dir: Path, results: list[CheckResult], *, outcome: str, stage: str = "audit",
                 audit_id: str | None = None, release_id: str | None = None, merge: bool = False) -> Path:
    """Append one audit (all its checks) to the store; returns its file. With `merge`, rows already
    stored under the same audit id are kept (one run's several failing tasks make one audit)."""
    audited_at = datetime.now(UTC)
    audit_id = audit_id or f"{audited_at:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:6]}"
    rows = [{**{k: v for k, v in asdict(r).items() if k in COLUMNS.names},
             "severity": str(r.severity), "sample": json.dumps(r.sample, ensure_ascii=False, default=str),
             "audit_id": audit_id, "audited_at": audited_at, "outcome": outcome, "release_id": release_id,
             "stage": stage} for r in results]
    directory = store_dir(audits_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{audit_id}.parquet"
    tmp = directory / f".{audit_id}.tmp"
    table = pa.Table.from_pylist(rows, schema=COLUMNS)
    if merge and target.exists():
        table = pa.concat_tables([pq.read_table(target, schema=COLUMNS), table])
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return target


def dbt_failures(nodes: list[dict]) -> list[CheckResult]:
    """dbt's failed nodes (`unique_id`/`node`, `status`, `message`) as fail checks of the suite `dbt_build`."""
    return [CheckResult("dbt_build", Severity.FAIL, "dbt project", n.get("unique_id") or n["node"], None, False,
                        error=f"{n['status']}: {n.get('message') or ''}"[:500]) for n in nodes]


def first_line(check: CheckResult) -> str:
    """The first failing check in one line, for an error message's first line."""
    return " ".join(check.describe().split())[:300]


def history(audits_dir: Path) -> list[dict]:
    """One row per stored audit, oldest first: id, time, outcome, stage, checks, failed, warnings, and the
    first failing check."""
    files = sorted(store_dir(audits_dir).glob("*.parquet"))
    if not files:
        return []
    rows = duckdb.connect().execute(
        "select audit_id, min(audited_at), any_value(outcome), string_agg(distinct stage, ','), count(*), "
        "count(*) filter (where not success and severity = 'fail'), "
        "count(*) filter (where not success and severity = 'warn'), "
        "arg_min(suite || ': ' || expectation || coalesce(' ' || \"column\", '') || coalesce(' — ' || error, ''), "
        "audited_at) filter (where not success and severity = 'fail') "
        "from read_parquet(?) group by audit_id order by 2", [[str(f) for f in files]]).fetchall()
    return [{"id": r[0], "at": r[1].isoformat(), "outcome": r[2], "stage": r[3], "checks": r[4], "failed": r[5],
             "warnings": r[6], "first_failure": r[7]} for r in rows]


BASIS_SUFFIX = ".basis.json"


def record_basis(audits_dir: Path, audit_id: str, release_id: str, basis: dict) -> Path:
    """Store a published audit's basis (written to a temporary name, then renamed)."""
    directory = store_dir(audits_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{audit_id}{BASIS_SUFFIX}"
    tmp = directory / f".{audit_id}.basis.tmp"
    tmp.write_text(json.dumps({**basis, "audit_id": audit_id, "release_id": release_id}, ensure_ascii=False))
    os.replace(tmp, target)
    return target


def latest_basis(audits_dir: Path) -> dict | None:
    """The basis of the newest published audit, or None (then the next audit runs in full)."""
    files = sorted(store_dir(audits_dir).glob(f"*{BASIS_SUFFIX}"))
    return json.loads(files[-1].read_text()) if files else None
