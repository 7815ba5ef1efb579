"""Incremental state: the high-water mark of each (system, entity), advanced only after a commit, and
the rework ledger of windows to fetch again (damaged batches, quarantined records)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from extractors.pagination import Resume


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


@dataclass(frozen=True)
class SavedResume:
    """Where a window stopped part-way (circuit open, or the process killed after a checkpoint) goes on."""

    window: tuple[datetime, datetime]  # [start, end), Vietnam local
    resume: Resume  # the next page's index, or the token of the last landed page
    batches: tuple[str, ...]  # batch ids already committed for this window
    pages: int
    passes: int


class ResumeStore:
    """`<state>/<system>/_resume/<entity>.json`: the resume point of one endpoint's unfinished window,
    written atomically after each commit of it and removed when the window is finished."""

    def __init__(self, state_dir: Path, system: str, entity: str) -> None:
        self.path = state_dir / system / "_resume" / f"{entity}.json"

    def load(self) -> SavedResume | None:
        if not self.path.exists():
            return None
        raw = json.loads(self.path.read_text())
        return SavedResume((datetime.fromisoformat(raw["start"]), datetime.fromisoformat(raw["end"])),
                           Resume(**raw["resume"]), tuple(raw["batches"]), raw["pages"], raw["passes"])

    def save(self, saved: SavedResume) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"start": saved.window[0].isoformat(), "end": saved.window[1].isoformat(),
                                   "resume": saved.resume.as_dict(), "batches": list(saved.batches),
                                   "pages": saved.pages, "passes": saved.passes}))
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


REWORK_DEAD_AFTER = 5  # tries before a re-request is declared dead (reported, no longer fetched)


class Rework(StrEnum):
    """Why a window of an endpoint must be fetched again."""

    DAMAGED = "damaged"  # a landed batch failed verification and was set aside: blocks publication
    QUARANTINE = "quarantine"  # records were quarantined: re-requested until they land or die
    GAP = "gap"  # offset paging may have stepped over records: re-requested until a pass sees the total


@dataclass
class ReworkItem:
    """One window of one endpoint to fetch again, and what it is waiting for."""

    system: str
    entity: str  # the endpoint's entity (children are re-landed with their parent)
    start: str  # ISO, Vietnam local
    end: str
    kind: Rework
    reason: str
    keys: list[str] = field(default_factory=list)  # quarantined keys still missing
    attempts: int = 0
    first_seen: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))  # UTC
    dead: bool = False

    @property
    def ident(self) -> str:
        return f"{self.kind.value}:{self.entity}:{self.start}:{self.end}"


class ReworkLedger:
    """`<state>/<system>/_rework.json`: windows to re-request, written atomically, one file per system."""

    def __init__(self, state_dir: Path, system: str) -> None:
        self.path = state_dir / system / "_rework.json"
        self.system = system

    def items(self) -> list[ReworkItem]:
        if not self.path.exists():
            return []
        return [ReworkItem(**{**raw, "kind": Rework(raw["kind"])}) for raw in json.loads(self.path.read_text())]

    def save(self, items: list[ReworkItem]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps([{**asdict(i), "kind": i.kind.value} for i in items], ensure_ascii=False, indent=1))
        os.replace(tmp, self.path)

    def add(self, item: ReworkItem) -> None:
        """Register a window; one already registered keeps its tries and gains the new keys."""
        items = self.items()
        same = next((i for i in items if i.ident == item.ident), None)
        if same is not None:
            same.keys = sorted(set(same.keys) | set(item.keys))
            self.save(items)
            return
        self.save([*items, item])

    def settle(self, item: ReworkItem, still_missing: list[str] | None, dead_after: int = REWORK_DEAD_AFTER) -> None:
        """After a re-request: drop the item when nothing is missing any more, else count the try."""
        items = [i for i in self.items() if i.ident != item.ident]
        if still_missing is not None and not still_missing:
            self.save(items)
            return
        item.attempts += 1
        item.keys = still_missing if still_missing is not None else item.keys
        item.dead = item.attempts >= dead_after
        self.save([*items, item])
