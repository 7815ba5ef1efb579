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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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


@dataclass(frozen=True)
class BenchDay:
    """A day landed after the sample: its date, and the hash bucket of the dossiers it changes (`bucket`)
    and of the templates of its new ones (`bucket + 1`), so two days change different dossiers."""

    day: date
    bucket: int

    @property
    def batch_id(self) -> str:
        return f"{self.day:%Y%m%d}T000000_{self.day + timedelta(days=1):%Y%m%d}T000000"

    @property
    def window(self) -> dict[str, str]:
        return {"start": f"{self.day.isoformat()}T00:00:00", "end": f"{(self.day + timedelta(days=1)).isoformat()}T00:00:00"}

    @property
    def new_key_suffix(self) -> str:
        return f"~n{self.day:%Y%m%d}"

    @property
    def as_of(self) -> str:
        """The as-of date of the build that follows the day (the morning after)."""
        return (self.day + timedelta(days=1)).isoformat()


# The sample's clock stops at the end of June. The next day is 1 July, the first day of a month: the
# II.06a counts gain a period and are counted again, as once a month. The ordinary day after it, 2 July,
# is what every other day of the month looks like: the counts take the delta.
NEXT_DAY = BenchDay(date(2024, 7, 1), bucket=0)
ORDINARY_DAY = BenchDay(date(2024, 7, 2), bucket=2)
BENCH_DAYS = (NEXT_DAY, ORDINARY_DAY)
NEXT_DAY_BATCH = NEXT_DAY.batch_id
NEW_KEY_SUFFIX = NEXT_DAY.new_key_suffix


def days_landed(landing: Path) -> list[BenchDay]:
    """The bench's days whose batch is in the landing zone, in date order."""
    return [d for d in BENCH_DAYS if batch_dir(landing, "ward_one_stop", "dossiers", d.batch_id).exists()]


def latest_day_landed(landing: Path) -> BenchDay:
    """The last of the bench's days landed (the rebuild stage builds as of the morning after it)."""
    landed = days_landed(landing)
    if not landed:
        raise SystemExit(f"[bench] no day of the bench landed in {landing}: run the incremental stage first")
    return landed[-1]


def day_changes(day: BenchDay) -> dict[str, dict]:
    """A day as the two one-stop vendors would send it, in one new batch per dossier entity (and its
    children), extracted later than the sample: ~1 % of dossiers re-sent whole with a newer cursor and
    their children (those still being processed are finished, status "processed", that morning), and
    ~0.1 % new dossiers submitted online that morning, not received yet (status 1 / "new": no receipt,
    due date, end, rating or children yet, as the vendors send such dossiers), each modelled on an online
    dossier of the sample (procedure, unit, applicant, fees) under a new key."""
    compact, iso = f"{day.day:%Y%m%d}", day.day.isoformat()
    return {
        "district_one_stop": {
            "key": "MaHoSo", "cursor": "NgayCapNhat", "cursor_value": f"{compact}100000",
            "finish": ("\"NgayKetThucXuLy\" is null and \"TrangThaiHoSo\" in (2, 4)",
                       {"NgayKetThucXuLy": f"'{compact}090000'", "TrangThaiHoSo": "9"}),
            "new": ("\"KenhThucHien\" = 2",
                    {"NgayNopHoSo": f"'{compact}' || substr(\"NgayNopHoSo\", 9)", "TrangThaiHoSo": "1",
                     "NgayTiepNhan": "null", "NgayHenTra": "null", "NgayKetThucXuLy": "null", "NgayTra": "null",
                     "TrangThaiTraBuuDien": "case when \"TrangThaiTraBuuDien\" is not null then 0 end",
                     "DaSoHoaKetQua": "0", "DanhGiaHaiLong__MucDoHaiLong": "null",
                     "DanhGiaHaiLong__NgayDanhGia": "null",
                     "NgayCapNhat": f"greatest('{compact}100000', '{compact}' || substr(\"NgayNopHoSo\", 9))"}),
            "children": ("processing_steps", "supplement_requests", "apology_letters"),
        },
        "ward_one_stop": {
            "key": "id", "child_key": "dossier_id", "cursor": "updated_at", "cursor_value": f"{iso}T10:00:00+07:00",
            "finish": ("finished_at is null and status in ('received', 'processing')",
                       {"finished_at": f"'{iso}T09:00:00+07:00'", "status": "'processed'"}),
            "new": ("channel = 'online'",
                    {"submitted_at": f"'{iso}' || substr(submitted_at, 11)", "status": "'new'",
                     "received_at": "null", "due_at": "null", "finished_at": "null", "returned_at": "null",
                     "postal_delivered": "postal_delivered and false", "result_digitised": "false",
                     "updated_at": f"greatest('{iso}T10:00:00+07:00', '{iso}' || substr(submitted_at, 11))"}),
            "children": ("supplement_requests", "apology_letters"),
        },
    }


def land_next_day(landing: Path, share: float = 0.01, con: duckdb.DuckDBPyConnection | None = None,
                  day: BenchDay = NEXT_DAY) -> int:
    """Land a day's batches (see day_changes); returns the dossiers changed or new.

    Dossiers are picked by a hash of their key before the latest version is taken (a filter on the key
    keeps whole partitions of that window), so only the picked ~1 % is windowed: the cost is one scan of
    the dossiers and of their children, whatever the scale. A day reads the landing zone as it stood
    before it (without its own batch or a later day's), so landing it again is idempotent."""
    con = con or _connection()
    modulus = round(1 / share)
    changed_bucket, template_bucket = day.bucket % modulus, (day.bucket + 1) % modulus
    not_later = ", ".join(f"'{d.batch_id}'" for d in BENCH_DAYS if d.day >= day.day)
    extracted_at = datetime.now(UTC)
    staged: list[tuple[Path, Path]] = []
    changed = 0
    for system, spec in day_changes(day).items():
        key, cursor, value = spec["key"], spec["cursor"], spec["cursor_value"]
        # the changed bucket; one in four of the template bucket (online dossiers): the templates of new ones
        latest = read_latest(landing, system, "dossiers", key, cursor,
                             before=f"hash(\"{key}\") % {modulus} in ({changed_bucket}, {template_bucket}) "
                                    f"and _batch_id not in ({not_later})",
                             hive_partitioning="false")
        con.execute(f"create or replace temp table picked as {latest}")
        when, updates = spec["finish"]
        finish = ", ".join(f"case when {when} then {expr} else \"{col}\" end as \"{col}\"" for col, expr in updates.items())
        new_when, new_updates = spec["new"]
        fresh = ", ".join(f"{expr} as \"{col}\"" for col, expr in new_updates.items())
        stamp = f"'{day.batch_id}' as _batch_id, '{extracted_at.isoformat()}'::timestamptz as _extracted_at"
        dossiers_sql = (f"select * replace ({finish}, '{value}' as \"{cursor}\", {stamp}) from picked "
                        f"where hash(\"{key}\") % {modulus} = {changed_bucket} union all "
                        f"select * replace ({fresh}, \"{key}\" || '{day.new_key_suffix}' as \"{key}\", {stamp}) "
                        f"from picked where hash(\"{key}\") % {modulus} = {template_bucket} and {new_when} "
                        f"and hash(\"{key}\" || '#') % 4 = 0")
        children: dict[str, int] = {}
        for child in spec["children"]:
            child_key = spec.get("child_key", key)
            rows_sql = (f"select c.* replace ('{value}' as _parent_cursor, {stamp}) "
                        f"from {read_landed(landing, system, child, hive_partitioning='false')} as c "
                        f"join picked as p on c.\"{child_key}\" = p.\"{key}\" and c._batch_id = p._batch_id "
                        f"and c._parent_cursor = p.\"{cursor}\" where hash(p.\"{key}\") % {modulus} = {changed_bucket}")
            tmp, children[child] = _stage_batch(con, landing, system, child, rows_sql, extracted_at, day,
                                                parent_entity="dossiers")
            staged.append((tmp, batch_dir(landing, system, child, day.batch_id)))
        tmp, rows = _stage_batch(con, landing, system, "dossiers", dossiers_sql, extracted_at, day, children=children)
        staged.append((tmp, batch_dir(landing, system, "dossiers", day.batch_id)))
        changed += rows
    with landing_lock(landing):  # every batch of the day becomes visible together, as one commit
        for tmp, target in staged:
            if target.exists():  # the day landed again: the new batches replace it
                shutil.rmtree(target)
            os.rename(tmp, target)
    return changed


def _stage_batch(con, landing: Path, system: str, entity: str, sql: str, extracted_at: datetime,
                 day: BenchDay, **extra) -> tuple[Path, int]:
    """One part and its manifest under `.tmp-…` in the entity folder; returns the folder and its rows."""
    template = json.loads((list_batches(landing, system, entity)[0] / MANIFEST).read_text())
    tmp = batch_dir(landing, system, entity, day.batch_id).parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    part = tmp / part_name(0)
    con.execute(f"copy ({sql}) to '{part}' ({PARQUET_OPTIONS})")
    rows = pq.ParquetFile(part).metadata.num_rows
    manifest = {**template, **extra, "batch_id": day.batch_id, "window": day.window,
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
