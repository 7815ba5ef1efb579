"""Landing integrity before every build: repair interrupted commits, verify every visible batch,
set damaged batches aside and ask the extractor to land their windows again.

A damaged batch blocks the build that found it (`LandingDamaged`, naming system, entity, batch and
file) and every later publication until its window has been re-extracted (the audit's
`landing_awaiting_reextraction` check); the next extraction run of that system re-lands it, so the
zone heals without manual steps.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path

from cchc.landing_layout import batch_dir
from cchc.settings import Settings, SourceSystem
from extractors.landing import (
    MANIFEST,
    LandingDamaged,
    LandingProblem,
    landing_lock,
    recover_landing,
    verify_landing,
)
from extractors.sources import declared_landing, family_of
from extractors.state import Rework, ReworkItem, ReworkLedger

log = logging.getLogger(__name__)


def damaged_dir(settings: Settings) -> Path:
    return settings.data_dir / "damaged"


def check_landing(settings: Settings) -> list[LandingProblem]:
    """Verify without changing anything (the audit's view)."""
    return verify_landing(settings.landing_dir, declared_landing())


def verify_and_record(settings: Settings) -> list[LandingProblem]:
    """The build's verification: hashes new or changed parts and records the sound ones, so the audit's
    verification of the same run reuses them instead of hashing every part again."""
    return verify_landing(settings.landing_dir, declared_landing(), record=True)


def prepare_landing(settings: Settings) -> list[str]:
    """Before a build: roll interrupted commits forward, verify, set damaged batches aside.

    Returns what was repaired; raises LandingDamaged when a batch had to be set aside."""
    repaired = recover_landing(settings.landing_dir, settings.quarantine_dir)
    if repaired:
        log.warning("landing: rolled forward / restored %s", repaired)
    problems = verify_and_record(settings)
    if problems:
        set_aside(settings, problems)
        raise LandingDamaged(problems)
    return repaired


def _window(batch: str, manifest: dict | None) -> tuple[str, str]:
    window = (manifest or {}).get("window")
    if window:
        return window["start"], window["end"]
    start, end = (datetime.strptime(part, "%Y%m%dT%H%M%S") for part in batch.split("_"))
    return start.isoformat(), end.isoformat()


def set_aside(settings: Settings, problems: list[LandingProblem]) -> list[Path]:
    """Move every batch of each damaged family (parent and children of one window) out of the landing
    zone into <data>/damaged/, and register its window for re-extraction."""
    moved: list[Path] = []
    families: dict[tuple[str, str, str], LandingProblem] = {}
    for problem in problems:
        try:
            endpoint = family_of(SourceSystem(problem.system), problem.entity)
        except ValueError:
            continue  # not an entity we land: nothing to re-extract, the problem still blocks
        families.setdefault((problem.system, endpoint.entity, problem.batch), problem)
    stamp = f"{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    with landing_lock(settings.landing_dir):
        for (system, entity, batch), problem in families.items():
            endpoint = family_of(SourceSystem(system), entity)
            parent_manifest = batch_dir(settings.landing_dir, system, entity, batch) / MANIFEST
            try:
                manifest = json.loads(parent_manifest.read_text()) if parent_manifest.exists() else None
            except ValueError:
                manifest = None
            start, end = _window(batch, manifest)
            for member in (endpoint.entity, *(c.entity for c in endpoint.children)):
                source = batch_dir(settings.landing_dir, system, member, batch)
                if source.exists():
                    target = damaged_dir(settings) / stamp / system / member / source.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(source, target)
                    moved.append(target)
            ReworkLedger(settings.state_dir, system).add(ReworkItem(
                system, entity, start, end, Rework.DAMAGED, problem.describe()))
            log.error("landing: set aside %s/%s batch=%s (%s); window queued for re-extraction",
                      system, entity, batch, problem.problem)
    return moved
