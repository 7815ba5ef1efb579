"""Incremental state: the high-water mark of each (system, entity), advanced only after a commit."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path


class StateStore:
    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir

    def _path(self, system: str, entity: str) -> Path:
        return self.root / system / f"{entity}.json"

    def high_water(self, system: str, entity: str) -> datetime | None:
        path = self._path(system, entity)
        if not path.exists():
            return None
        return datetime.fromisoformat(json.loads(path.read_text())["high_water"])

    def advance(self, system: str, entity: str, value: datetime, batch_id: str) -> None:
        """Move the mark forward (never back), atomically."""
        current = self.high_water(system, entity)
        if current is not None and value <= current:
            return
        path = self._path(system, entity)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"high_water": value.isoformat(), "batch_id": batch_id,
                                   "updated_at": datetime.now().isoformat(timespec="seconds")}))
        os.replace(tmp, path)
