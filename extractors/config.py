"""Typed extractor settings (defaults suit the simulators and a provincial deployment)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class MissingFieldPolicy(StrEnum):
    """What a record lacking a declared field does (never silently NULL-filled; extractors/parse.py)."""

    QUARANTINE_RECORD = "quarantine_record"  # that record goes to quarantine, the page lands
    QUARANTINE_PAGE = "quarantine_page"  # every record of the page goes to quarantine


@dataclass(frozen=True)
class RetryPolicy:
    """Retries only on 429 (honouring Retry-After), 5xx, connection errors, timeouts, cut bodies."""

    max_attempts: int = 6
    backoff_base_s: float = 0.5  # wait base * 2**attempt with full jitter
    backoff_cap_s: float = 30.0
    retry_after_cap_s: float = 60.0


def _default_workers() -> int:
    """`CCHC_EXTRACT_WORKERS` if set (0 = prepare pages in the run's own process), else one per core up to 2."""
    text = os.environ.get("CCHC_EXTRACT_WORKERS", "").strip()
    if text:
        if not text.isdigit():
            raise ValueError(f"CCHC_EXTRACT_WORKERS must be a whole number of worker processes, got {text!r}")
        return int(text)
    return min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class ExtractConfig:
    """How an extraction run behaves."""

    lookback: timedelta = timedelta(hours=2)  # re-read recent updates: late or out-of-order changes
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    prefetch_pages: int = 2  # pages fetched ahead while the current one is parsed (offset styles only)
    parse_workers: int = field(default_factory=lambda: _default_workers())  # page worker processes; 0: none
    worker_min_bytes: int = 128 * 1024  # smaller pages are parsed in the run's process (cheaper than the pipe)
    page_size: int | None = None  # None: each source's maximum
    missing_field: MissingFieldPolicy = MissingFieldPolicy.QUARANTINE_RECORD  # a record lacking a declared field
    retry_budget: int = 50  # page re-requests per endpoint and run once a page's own retries gave up
    checkpoint_pages: int = 50  # pages per committed batch: a killed run resumes after the last commit
    paging_passes: int = 3  # passes over a window whose pages held fewer records than the source's total
    rework_dead_after: int = 5  # re-requests of a quarantined window before it is declared dead
