"""Benchmark data straight in the landing zone: scale a landed sample up, and land "the next day".

Why not extract every benchmark dossier over HTTP: the simulators hold their world in memory
(~5.8 GiB per 1M dossiers), so 10M+ cannot be served on this machine. Extraction is measured over
HTTP on a sample (up to 1M dossiers, all three systems); the later stages read that sample copied
N times with rewritten keys — same distributions, same units, same vendor formats, batches and
manifests exactly as the extractors write them (docs/landing-zone.md).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from cchc.landing_layout import (
    BATCH_PREFIX,
    MANIFEST,
    batch_dir,
    batch_parts,
    list_batches,
    part_name,
    read_landed,
    read_latest,
)
from extractors.landing import checksum, landing_lock

# Entities copied per replica, with the columns that identify a record (or point at its parent).
# Reference lists (units, procedures, organs, certificates) are not copied: replicas share them.
REPLICATED_KEYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("district_one_stop", "dossiers"): ("MaHoSo",),
    ("district_one_stop", "processing_steps"): ("MaHoSo",),
    ("district_one_stop", "supplement_requests"): ("MaHoSo", "MaBoSung"),
    ("district_one_stop", "apology_letters"): ("MaHoSo", "MaPhieu"),
    ("ward_one_stop", "dossiers"): ("id",),
    ("ward_one_stop", "supplement_requests"): ("dossier_id",),
    ("ward_one_stop", "apology_letters"): ("dossier_id",),
    ("ward_one_stop", "dossier_events"): ("event_id", "dossier_id"),
    ("ward_one_stop", "ratings"): ("rating_id", "dossier_id"),
    ("dms", "documents"): ("DocId",),
    ("dms", "document_recipients"): ("DocId",),
    ("dms", "document_signatures"): ("DocId", "SignatureId"),
}


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]"


def _scale_counts(manifest: dict, factor: int) -> None:
    manifest["counts"] = {k: v * factor for k, v in manifest.get("counts", {}).items()}
    if isinstance(manifest.get("children"), dict):
        manifest["children"] = {k: v * factor for k, v in manifest["children"].items()}
    if isinstance(manifest.get("pages"), int):  # as many pages as the extractor would have read
        manifest["pages"] *= factor
    if manifest.get("source_reported_total") is not None:
        manifest["source_reported_total"] *= factor


def replicate(landing: Path, copies: int, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Scale every batch of the transactional entities to `copies` key-rewritten copies, in place.

    One DuckDB query per batch writes all copies (copy 0 keeps the extracted keys, copy c appends
    `~c`) into one compacted part: the issue 19 profile measured 652 small parts of one entity scanning
    2× slower than one file. The new batch is written under `.tmp-…` and swapped in under the landing
    lock (a crash leaves the old batch or the new one, `extractors.landing.recover` cleans up).

    The copies follow one another (a UNION ALL, copy by copy), not row by row: a cross join with
    range(copies) was faster to write but put the copies of a row side by side in each row group, so
    the part compressed 2.7× smaller than the extracted data and scanned ~2× faster than a real landing
    zone of that size would (measured at 1M, README "Scale benchmark")."""
    if copies <= 1:
        return
    con = con or _connection()
    for (system, entity), keys in REPLICATED_KEYS.items():
        for batch in list_batches(landing, system, entity):
            if batch_parts(batch):
                _replicate_batch(con, landing, batch, keys, copies)


# zstd at level 1, as the extractors write it (pyarrow's default level); DuckDB's default level 3 costs
# more CPU for a few per cent of size.
PARQUET_OPTIONS = "format parquet, compression zstd, compression_level 1"


def _connection() -> duckdb.DuckDBPyConnection:
    # Row order inside a landed batch carries no meaning (staging orders by cursor and batch); without
    # it DuckDB writes one file from both cores.
    return duckdb.connect(config={"preserve_insertion_order": False})


def _replicate_batch(con, landing: Path, batch: Path, keys: tuple[str, ...], copies: int) -> None:
    manifest = json.loads((batch / MANIFEST).read_text())
    tmp = batch.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    part = tmp / part_name(0)
    sample = f"read_parquet({_sql_list(batch_parts(batch))}, hive_partitioning = false)"
    each = [f"select * from {sample}"] + [
        "select * replace (" + ", ".join(f"\"{k}\" || '~{copy}' as \"{k}\"" for k in keys) + f") from {sample}"
        for copy in range(1, copies)]
    con.execute(f"copy ({' union all '.join(each)}) to '{part}' ({PARQUET_OPTIONS})")
    _scale_counts(manifest, copies)
    manifest.update(_part_entries(part, manifest.get("schema")))
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    _swap_in(landing, tmp, batch)


def _part_entries(part: Path, schema: dict | None) -> dict:
    """The manifest's entries for a batch of one part, as `extractors.landing.BatchWriter` writes them;
    the part's columns must be the batch's (a copy that changed a type would fail verification later)."""
    columns = {f.name: str(f.type) for f in pq.read_schema(part)}
    if schema and columns != schema:
        raise RuntimeError(f"{part}: columns {columns} differ from the batch's manifest {schema}")
    return {"parts": [part.name], "checksum": {part.name: checksum(part)},
            "rows": {part.name: pq.ParquetFile(part).metadata.num_rows}, "schema": columns}


def _swap_in(landing: Path, tmp: Path, batch: Path) -> None:
    """Replace a visible batch by a complete folder, as extractors.landing commits do (trash, rename, drop)."""
    with landing_lock(landing):
        trash = batch.parent / f".trash-{batch.name[len(BATCH_PREFIX):]}-{uuid.uuid4().hex[:8]}"
        os.rename(batch, trash)
        os.rename(tmp, batch)
        shutil.rmtree(trash)


# The next day as the two one-stop vendors would send it, in one new batch per dossier entity (and its
# children), extracted later than the sample: ~1 % of dossiers re-sent whole with a newer cursor and
# their children (those still being processed are finished, status "processed", that morning), and
# ~0.1 % new dossiers submitted online that morning, not received yet (status 1 / "new": no receipt,
# due date, end, rating or children yet, as the vendors send such dossiers), each modelled on an online
# dossier of the sample (procedure, unit, applicant, fees) under a new key.
NEXT_DAY = {
    "district_one_stop": {
        "key": "MaHoSo", "cursor": "NgayCapNhat", "cursor_value": "20240701100000",
        "finish": ("\"NgayKetThucXuLy\" is null and \"TrangThaiHoSo\" in (2, 4)",
                   {"NgayKetThucXuLy": "'20240701090000'", "TrangThaiHoSo": "9"}),
        "new": ("\"KenhThucHien\" = 2",
                {"NgayNopHoSo": "'20240701' || substr(\"NgayNopHoSo\", 9)", "TrangThaiHoSo": "1",
                 "NgayTiepNhan": "null", "NgayHenTra": "null", "NgayKetThucXuLy": "null", "NgayTra": "null",
                 "TrangThaiTraBuuDien": "case when \"TrangThaiTraBuuDien\" is not null then 0 end",
                 "DaSoHoaKetQua": "0", "DanhGiaHaiLong__MucDoHaiLong": "null",
                 "DanhGiaHaiLong__NgayDanhGia": "null",
                 "NgayCapNhat": "greatest('20240701100000', '20240701' || substr(\"NgayNopHoSo\", 9))"}),
        "children": ("processing_steps", "supplement_requests", "apology_letters"),
    },
    "ward_one_stop": {
        "key": "id", "child_key": "dossier_id", "cursor": "updated_at", "cursor_value": "2024-07-01T10:00:00+07:00",
        "finish": ("finished_at is null and status in ('received', 'processing')",
                   {"finished_at": "'2024-07-01T09:00:00+07:00'", "status": "'processed'"}),
        "new": ("channel = 'online'",
                {"submitted_at": "'2024-07-01' || substr(submitted_at, 11)", "status": "'new'",
                 "received_at": "null", "due_at": "null", "finished_at": "null", "returned_at": "null",
                 "postal_delivered": "postal_delivered and false", "result_digitised": "false",
                 "updated_at": "greatest('2024-07-01T10:00:00+07:00', '2024-07-01' || substr(submitted_at, 11))"}),
        "children": ("supplement_requests", "apology_letters"),
    },
}
NEXT_DAY_BATCH = "20240701T000000_20240702T000000"
NEXT_DAY_WINDOW = {"start": "2024-07-01T00:00:00", "end": "2024-07-02T00:00:00"}
NEW_KEY_SUFFIX = "~n20240701"


def land_next_day(landing: Path, share: float = 0.01, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Land the next day's batches (see NEXT_DAY); returns the dossiers changed or new.

    Dossiers are picked by a hash of their key before the latest version is taken (a filter on the key
    keeps whole partitions of that window), so only the picked ~1 % is windowed: the cost is one scan of
    the dossiers and of their children, whatever the scale."""
    con = con or _connection()
    modulus = round(1 / share)
    extracted_at = datetime.now(UTC)
    staged: list[tuple[Path, Path]] = []
    changed = 0
    for system, spec in NEXT_DAY.items():
        key, cursor, value = spec["key"], spec["cursor"], spec["cursor_value"]
        # hash bucket 0: changed; one in four of bucket 1 (online dossiers): the templates of new ones. As the
        # landing stood before the day (without a next day landed earlier): landing the day again is idempotent.
        latest = read_latest(landing, system, "dossiers", key, cursor,
                             before=f"hash(\"{key}\") % {modulus} in (0, 1) and _batch_id <> '{NEXT_DAY_BATCH}'",
                             hive_partitioning="false")
        con.execute(f"create or replace temp table picked as {latest}")
        when, updates = spec["finish"]
        finish = ", ".join(f"case when {when} then {expr} else \"{col}\" end as \"{col}\"" for col, expr in updates.items())
        new_when, new_updates = spec["new"]
        fresh = ", ".join(f"{expr} as \"{col}\"" for col, expr in new_updates.items())
        stamp = f"'{NEXT_DAY_BATCH}' as _batch_id, '{extracted_at.isoformat()}'::timestamptz as _extracted_at"
        dossiers_sql = (f"select * replace ({finish}, '{value}' as \"{cursor}\", {stamp}) from picked "
                        f"where hash(\"{key}\") % {modulus} = 0 union all "
                        f"select * replace ({fresh}, \"{key}\" || '{NEW_KEY_SUFFIX}' as \"{key}\", {stamp}) "
                        f"from picked where hash(\"{key}\") % {modulus} = 1 and {new_when} "
                        f"and hash(\"{key}\" || '#') % 4 = 0")
        children: dict[str, int] = {}
        for child in spec["children"]:
            child_key = spec.get("child_key", key)
            rows_sql = (f"select c.* replace ('{value}' as _parent_cursor, {stamp}) "
                        f"from {read_landed(landing, system, child, hive_partitioning='false')} as c "
                        f"join picked as p on c.\"{child_key}\" = p.\"{key}\" and c._batch_id = p._batch_id "
                        f"and c._parent_cursor = p.\"{cursor}\" where hash(p.\"{key}\") % {modulus} = 0")
            tmp, children[child] = _stage_batch(con, landing, system, child, rows_sql, extracted_at,
                                                parent_entity="dossiers")
            staged.append((tmp, batch_dir(landing, system, child, NEXT_DAY_BATCH)))
        tmp, rows = _stage_batch(con, landing, system, "dossiers", dossiers_sql, extracted_at, children=children)
        staged.append((tmp, batch_dir(landing, system, "dossiers", NEXT_DAY_BATCH)))
        changed += rows
    with landing_lock(landing):  # every batch of the day becomes visible together, as one commit
        for tmp, target in staged:
            if target.exists():  # the day landed again: the new batches replace it
                shutil.rmtree(target)
            os.rename(tmp, target)
    return changed


def _stage_batch(con, landing: Path, system: str, entity: str, sql: str, extracted_at: datetime,
                 **extra) -> tuple[Path, int]:
    """One part and its manifest under `.tmp-…` in the entity folder; returns the folder and its rows."""
    template = json.loads((list_batches(landing, system, entity)[0] / MANIFEST).read_text())
    tmp = batch_dir(landing, system, entity, NEXT_DAY_BATCH).parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    part = tmp / part_name(0)
    con.execute(f"copy ({sql}) to '{part}' ({PARQUET_OPTIONS})")
    rows = pq.ParquetFile(part).metadata.num_rows
    manifest = {**template, **extra, "batch_id": NEXT_DAY_BATCH, "window": NEXT_DAY_WINDOW,
                "extracted_at": extracted_at.isoformat(), "pages": 1, "passes": 1,
                **_part_entries(part, template.get("schema")),
                "counts": {"fetched": rows, "written": rows, "quarantined": 0, "duplicates_dropped": 0},
                "schema_drift": {}}
    if "source_reported_total" in template:
        manifest["source_reported_total"] = rows
    if extra.get("parent_entity"):
        manifest["counts"] = {"written": rows}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return tmp, rows
