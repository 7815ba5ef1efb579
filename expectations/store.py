"""The audit store: every audit — published or blocked — as one Parquet file of its checks, beside the
releases in `<data>/audits/store/`, so a blocked run's reasons can be queried without any release:

    select * from read_parquet('<data>/audits/store/*.parquet') where outcome = 'blocked' order by audited_at

One file per audit (written to a temporary name, then renamed): readers never see half an audit and
concurrent runs never contend for a lock.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from expectations.framework import CheckResult

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
                 audit_id: str | None = None, release_id: str | None = None) -> Path:
    """Append one audit (all its checks) to the store; returns its file."""
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
    pq.write_table(pa.Table.from_pylist(rows, schema=COLUMNS), tmp)
    os.replace(tmp, target)
    return target
