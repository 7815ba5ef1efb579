"""The landing zone: immutable Parquet batches that become visible only when complete.

Layout: <data>/landing/<system>/<entity>/batch=<batch_id>/part-NNNNN.parquet + _manifest.json.
A batch is written under `.tmp-<uuid>/` and renamed into place after its manifest, so the glob
`batch=*/part-*.parquet` never sees half a batch. Re-landing a window replaces its batch: the old
folder is first renamed to `.trash-<batch_id>-<uuid>`; a crash between the two renames is repaired
on the next run (`recover`). Rejected records go to <data>/quarantine/… with a reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

EXTRACTOR_VERSION = "1.0"


def checksum(path: Path) -> str:
    """sha256 of a landed part, as manifests record it (read in 1 MiB blocks: parts can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def recover(entity_dir: Path) -> None:
    """Repair what a crash left: drop unfinished tmp folders, restore or drop trashed batches."""
    if not entity_dir.exists():
        return
    for path in entity_dir.iterdir():
        if path.name.startswith(".tmp-"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".trash-"):
            batch_id = path.name[len(".trash-"):].rsplit("-", 1)[0]
            target = entity_dir / f"batch={batch_id}"
            if target.exists():
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.rename(path, target)


@dataclass
class BatchWriter:
    """Parts and manifest of one entity's batch, under a temporary folder until `commit`."""

    root: Path  # <data>/landing or <data>/quarantine
    system: str
    entity: str
    batch_id: str
    parts: list[Path] = field(default_factory=list)
    rows: int = 0

    def __post_init__(self) -> None:
        self.entity_dir = self.root / self.system / self.entity
        self.entity_dir.mkdir(parents=True, exist_ok=True)
        recover(self.entity_dir)
        self.tmp = self.entity_dir / f".tmp-{uuid.uuid4().hex}"
        self.tmp.mkdir()
        self.schema: pa.Schema | None = None

    @property
    def target(self) -> Path:
        return self.entity_dir / f"batch={self.batch_id}"

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self.schema is None:
            self.schema = table.schema
        elif table.schema != self.schema:
            table = table.cast(self.schema)
        path = self.tmp / f"part-{len(self.parts):05d}.parquet"
        pq.write_table(table, path, compression="zstd")
        self.parts.append(path)
        self.rows += table.num_rows

    def replace_parts(self, table: pa.Table) -> None:
        """Swap all parts for one table (used after de-duplication)."""
        for part in self.parts:
            part.unlink()
        self.parts, self.rows, self.schema = [], 0, None
        self.write(table)

    def manifest_base(self) -> dict:
        return {
            "batch_id": self.batch_id, "system": self.system, "entity": self.entity,
            "parts": [p.name for p in self.parts],
            "checksum": {p.name: checksum(p) for p in self.parts},
            "schema": {f.name: str(f.type) for f in self.schema} if self.schema else {},
            "extractor_version": EXTRACTOR_VERSION,
        }

    def commit(self, manifest: dict) -> Path:
        (self.tmp / "_manifest.json").write_text(json.dumps({**self.manifest_base(), **manifest}, indent=2,
                                                            ensure_ascii=False))
        trash = None
        if self.target.exists():
            trash = self.entity_dir / f".trash-{self.batch_id}-{uuid.uuid4().hex[:8]}"
            os.rename(self.target, trash)
        os.rename(self.tmp, self.target)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
        return self.target

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
