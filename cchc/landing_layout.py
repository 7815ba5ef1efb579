"""Where landed batches live: the one definition of the landing zone's layout (docs/landing-zone.md).

    <landing>/<system>/<entity>/batch=<batch_id>/part-NNNNN.parquet + _manifest.json

The writer (extractors/landing.py) creates a batch folder only when the batch is complete, so every
reader that goes through these functions sees whole batches. dbt reads the same layout through its
sources (`dbt_project/models/staging/<system>/_<system>__sources.yml`, one per system): dbt_project.yml
`sources:` sets their `external_location` to `{landing_root}/{schema}/{identifier}/batch=*/part-*.parquet`,
i.e. `read_landed(root, system, entity)` with the source's schema (= the system) and table (= the
entity); tests/dbt/test_sources.py checks that the two agree for every declared entity.

A foundation: imports nothing of ours, so extractors, expectations, warehouse and bench may use it.
"""

from __future__ import annotations

from pathlib import Path

BATCH_PREFIX = "batch="
PART_PATTERN = "part-*.parquet"
MANIFEST = "_manifest.json"
ANY = "*"


def batch_name(batch_id: str) -> str:
    return f"{BATCH_PREFIX}{batch_id}"


def part_name(seq: int) -> str:
    return f"part-{seq:05d}.parquet"


def entity_dir(landing: Path, system: str, entity: str) -> Path:
    return landing / system / entity


def batch_dir(landing: Path, system: str, entity: str, batch_id: str) -> Path:
    return entity_dir(landing, system, entity) / batch_name(batch_id)


def landing_glob(landing: Path | str, system: str = ANY, entity: str = ANY) -> str:
    """Glob of every landed part of one entity (or of all, with the defaults), for DuckDB's read_parquet."""
    return f"{landing}/{system}/{entity}/{BATCH_PREFIX}*/{PART_PATTERN}"


def manifest_glob(landing: Path | str, system: str = ANY, entity: str = ANY) -> str:
    """Glob of every landed batch's manifest, for DuckDB's read_json."""
    return f"{landing}/{system}/{entity}/{BATCH_PREFIX}*/{MANIFEST}"


def read_landed(landing: Path | str, system: str, entity: str, **options: str) -> str:
    """SQL reading every landed row of an entity, columns of all batches merged by name."""
    extra = "".join(f", {key} = {value}" for key, value in options.items())
    return f"read_parquet('{landing_glob(landing, system, entity)}', union_by_name = true{extra})"


def read_latest(landing: Path | str, system: str, entity: str, key: str, cursor: str, columns: str = "*",
                before: str | None = None, **options: str) -> str:
    """SQL: the latest version of each landed record of an entity — per key, the greatest cursor, a later
    batch winning a tie — as dbt's staging keeps it (macro latest_version, dbt_project/macros/landing.sql).

    `before`, a condition applied to the landed rows before the window: on the key, it keeps or drops
    whole keys (the same result as filtering after it, which DuckDB does not push through the window);
    on `_batch_id`, it gives the latest versions as they stood without those batches."""
    where = f" where {before}" if before else ""
    return (f"select {columns} from {read_landed(landing, system, entity, **options)}{where} qualify row_number() "
            f"over (partition by \"{key}\" order by \"{cursor}\" desc, _batch_id desc) = 1")


def list_batches(landing: Path, system: str = ANY, entity: str = ANY) -> list[Path]:
    """Every visible (complete) batch folder, sorted by system, entity and batch id (= time)."""
    return sorted(landing.glob(f"{system}/{entity}/{BATCH_PREFIX}*"))


def batch_parts(batch: Path) -> list[Path]:
    return sorted(batch.glob(PART_PATTERN))


def has_landed(landing: Path, system: str, entity: str) -> bool:
    """At least one landed part of the entity (read_parquet fails on a glob that matches nothing)."""
    return any(entity_dir(landing, system, entity).glob(f"{BATCH_PREFIX}*/{PART_PATTERN}"))
