"""Benchmark data straight in the landing zone: scale a landed sample up, and land "the next day".

Why not extract every benchmark dossier over HTTP: the simulators hold their world in memory
(~5.8 GiB per 1M dossiers), so 10M+ cannot be served on this machine. Extraction is measured over
HTTP on a sample (up to 1M dossiers, all three systems); the later stages read that sample copied
N times with rewritten keys — same distributions, same units, same vendor formats, batches and
manifests exactly as the extractors write them (docs/landing-zone.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from cchc.landing_layout import MANIFEST, batch_dir, batch_parts, list_batches, read_landed, read_latest
from extractors.landing import checksum

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
    if manifest.get("source_reported_total") is not None:
        manifest["source_reported_total"] *= factor


def replicate(landing: Path, copies: int, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Add `copies - 1` key-rewritten copies of every batch of the transactional entities, in place."""
    if copies <= 1:
        return
    con = con or duckdb.connect()
    for (system, entity), keys in REPLICATED_KEYS.items():
        for batch in list_batches(landing, system, entity):
            originals = batch_parts(batch)
            if not originals:
                continue
            manifest = json.loads((batch / MANIFEST).read_text())
            parts = [p.name for p in originals]
            for copy in range(1, copies):
                rewritten = ", ".join(f'"{k}" || \'~{copy}\' as "{k}"' for k in keys)
                target = batch / f"part-r{copy:04d}.parquet"
                con.execute(f"copy (select * replace ({rewritten}) from read_parquet({_sql_list(originals)}, hive_partitioning = false)) "
                            f"to '{target}' (format parquet, compression zstd)")
                parts.append(target.name)
            manifest["parts"] = parts
            manifest["checksum"] = {name: checksum(batch / name) for name in parts}
            _scale_counts(manifest, copies)
            (batch / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))


# The next day as the two one-stop vendors would send it: ~1 % of dossiers re-sent with a newer
# cursor, extracted now (the incremental build reads what was extracted after its last run); those
# still being processed are finished (status "processed") that morning.
NEXT_DAY = {
    "district_one_stop": {
        "key": "MaHoSo", "cursor": "NgayCapNhat", "cursor_value": "20240701100000",
        "finish": ("\"NgayKetThucXuLy\" is null and \"TrangThaiHoSo\" in (2, 4)",
                   {"NgayKetThucXuLy": "'20240701090000'", "TrangThaiHoSo": "9"}),
        "children": ("processing_steps", "supplement_requests", "apology_letters"),
    },
    "ward_one_stop": {
        "key": "id", "child_key": "dossier_id", "cursor": "updated_at", "cursor_value": "2024-07-01T10:00:00+07:00",
        "finish": ("finished_at is null and status in ('received', 'processing')",
                   {"finished_at": "'2024-07-01T09:00:00+07:00'", "status": "'processed'"}),
        "children": ("supplement_requests", "apology_letters"),
    },
}
NEXT_DAY_BATCH = "20240701T000000_20240702T000000"
NEXT_DAY_WINDOW = {"start": "2024-07-01T00:00:00", "end": "2024-07-02T00:00:00"}


def land_next_day(landing: Path, share: float = 0.01, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Land one new batch per one-stop dossier entity (and its children); returns dossiers changed."""
    con = con or duckdb.connect()
    modulus = round(1 / share)
    changed = 0
    for system, spec in NEXT_DAY.items():
        key, cursor, value = spec["key"], spec["cursor"], spec["cursor_value"]
        when, updates = spec["finish"]
        finish = ", ".join(f"case when {when} then {expr} else \"{col}\" end as \"{col}\""
                           for col, expr in updates.items())
        latest = read_latest(landing, system, "dossiers", key, cursor, hive_partitioning="false")
        con.execute(f"create or replace temp table picked as select * from ({latest}) where hash(\"{key}\") % {modulus} = 0")
        picked = con.execute("select count(*) from picked").fetchone()[0]
        changed += picked
        con.execute(f"create or replace temp table next_day as select * replace ({finish}, '{value}' as \"{cursor}\", "
                    f"'{NEXT_DAY_BATCH}' as _batch_id, now() as _extracted_at) from picked")
        _write_batch(con, landing, system, "dossiers", "select * from next_day", picked)
        for child in spec["children"]:
            child_key = spec.get("child_key", key)
            rows_sql = (f"select c.* replace ('{NEXT_DAY_BATCH}' as _batch_id, '{value}' as _parent_cursor, now() as _extracted_at) "
                        f"from {read_landed(landing, system, child, hive_partitioning='false')} as c "
                        f"join picked as p on c.\"{child_key}\" = p.\"{key}\" and c._batch_id = p._batch_id "
                        f"and c._parent_cursor = p.\"{cursor}\"")
            rows = con.execute(f"select count(*) from ({rows_sql})").fetchone()[0]
            _write_batch(con, landing, system, child, rows_sql, rows, parent_entity="dossiers")
    return changed


def _write_batch(con, landing: Path, system: str, entity: str, sql: str, rows: int, **extra) -> None:
    template = json.loads((list_batches(landing, system, entity)[0] / MANIFEST).read_text())
    batch = batch_dir(landing, system, entity, NEXT_DAY_BATCH)
    batch.mkdir(parents=True, exist_ok=True)
    part = batch / "part-00000.parquet"
    con.execute(f"copy ({sql}) to '{part}' (format parquet, compression zstd)")
    manifest = {**template, **extra, "batch_id": NEXT_DAY_BATCH, "window": NEXT_DAY_WINDOW,
                "parts": [part.name], "checksum": {part.name: checksum(part)},
                "counts": {"fetched": rows, "written": rows, "quarantined": 0, "duplicates_dropped": 0},
                "schema_drift": {}}
    if isinstance(template.get("children"), dict):
        manifest["children"] = {}
    (batch / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
