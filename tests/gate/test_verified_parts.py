"""Landing parts are hashed once (issue 15): the build's verification hashes new or changed parts and
records them; the audit's verification of the same zone reuses that; a part changed afterwards — even
with its size and modification time put back — is hashed again and blocks."""

from __future__ import annotations

import os

import pyarrow as pa

from extractors.landing import BatchWriter, verify_landing


def _land(landing, batch: str, rows: int) -> None:
    writer = BatchWriter(landing, "ward_one_stop", "units", batch)
    writer.write(pa.table({"code": [f"{i:05d}" for i in range(rows)], "name": ["x"] * rows}))
    writer.write(pa.table({"code": [f"{i:05d}" for i in range(rows, 2 * rows)], "name": ["y"] * rows}))
    writer.commit({"counts": {"written": 2 * rows}})


def test_the_audit_reuses_the_builds_hashes_and_a_changed_part_is_hashed_again(tmp_path):
    landing = tmp_path / "landing"
    _land(landing, "20240101T000000_20240201T000000", 100)
    _land(landing, "20240201T000000_20240301T000000", 100)
    build, audit = {}, {}
    assert verify_landing(landing, record=True, stats=build) == []
    assert verify_landing(landing, stats=audit) == []
    assert build == {"hashed": 4, "reused": 0} and audit == {"hashed": 0, "reused": 4}

    part = landing / "ward_one_stop" / "units" / "batch=20240201T000000_20240301T000000" / "part-00001.parquet"
    before = part.stat()
    with part.open("r+b") as f:  # a byte changed in place, then size and mtime put back
        f.seek(before.st_size // 2)
        byte = f.read(1)
        f.seek(before.st_size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.utime(part, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = {}
    problems = verify_landing(landing, stats=again)
    assert [p.describe() for p in problems] == [
        "ward_one_stop/units batch=20240201T000000_20240301T000000 file part-00001.parquet: sha256 differs from "
        "the manifest: the file changed after it was landed"]
    assert again == {"hashed": 1, "reused": 3}
