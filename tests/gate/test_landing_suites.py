"""The landing suites: domain checks judge the latest version of each record; every batch's rows
reconcile with its manifest (issue 15, items 1 and 6). Hand-made batches, no simulators."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from expectations.runner import audit
from expectations.suites import SUITES
from extractors.landing import BatchWriter


def suite(name: str):
    return [s for s in SUITES if s.name == name]


def land(root, batch_id: str, rows: list[dict]) -> BatchWriter:
    writer = BatchWriter(root, "ward_one_stop", "dossiers", batch_id)
    table = pa.Table.from_pylist([{**r, "_batch_id": batch_id} for r in rows])
    writer.write(table)
    writer.commit({"counts": {"written": writer.rows}})
    return writer


@pytest.fixture
def candidate(tmp_path):
    path = tmp_path / "candidate.duckdb"
    duckdb.connect(str(path)).close()
    return path


def dossier(channel: str, updated: str) -> dict:
    return {"id": "W1", "updated_at": updated, "channel": channel, "status": "received", "online_level": "full"}


@pytest.mark.parametrize(("old", "new", "passes"), [("kênh 2", "online", True), ("online", "kênh 2", False)])
def test_domain_checks_read_the_latest_version_of_each_record(tmp_path, candidate, old, new, passes):
    landing = tmp_path / "landing"
    rows = [dict(dossier("direct", "2024-01-01T00:00:00+07:00"), id=f"W{i}") for i in range(2, 600)]
    land(landing, "20240101T000000_20240102T000000", [dossier(old, "2024-01-01T08:00:00+07:00"), *rows])
    land(landing, "20240102T000000_20240103T000000", [dossier(new, "2024-01-02T08:00:00+07:00")])
    (check,) = [c for c in audit(candidate, landing, suite("landing_ward_domains")).results if c.column == "channel"]
    assert check.success is passes and check.element_count == 599


def test_rows_that_do_not_match_a_manifest_are_named_by_batch(tmp_path, candidate):
    landing = tmp_path / "landing"
    writer = land(landing, "20240101T000000_20240102T000000", [dossier("online", "2024-01-01T08:00:00+07:00")])
    assert all(c.success for c in audit(candidate, landing, suite("landing_rows_match_manifests")).results)
    extra = writer.target / "part-00001.parquet"
    pq.write_table(pa.Table.from_pylist([{**dossier("online", "x"), "_batch_id": writer.batch_id}] * 3), extra)
    (check,) = audit(candidate, landing, suite("landing_rows_match_manifests")).results
    assert not check.success
    assert check.sample == ["ward_one_stop/dossiers batch=20240101T000000_20240102T000000: 4 rows landed, "
                            "manifest says 1"]
