"""Suites as code: what to read (read-only, bounded), which GX expectations, and how severe.

A suite reads its data from the candidate DuckDB file through Arrow — either a pushed-down
aggregate (one small frame whatever the table size) or row chunks of bounded size — because GX's
SQL datasource does not work on DuckDB. GX validates each frame with an ephemeral context.
Fail-closed: a suite or expectation that errors counts as failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    FAIL = "fail"  # blocks publication
    WARN = "warn"  # published, recorded


@dataclass(frozen=True)
class Suite:
    name: str
    severity: Severity
    target: str  # what is checked, for humans: a mart table or a landing entity
    sql: str  # read-only query; may use {landing} for the landing directory
    expectations: Callable[[], list]  # builds GX expectation objects (GX imported lazily)
    chunk_rows: int = 500_000  # row chunks for row-level suites; aggregates return a few rows
    # how an incremental audit finds the rows that changed since the last published audit (docs/gate.md,
    # "The gate scales with the change"); None: the suite always runs in full (aggregates, cheap in DuckDB)
    delta: LatestInLanding | MartRows | NewBatches | None = None


@dataclass(frozen=True)
class LatestInLanding:
    """A row-level suite over the latest version of each landed record of one entity (as staging keeps it).

    A key's latest version can only change when a batch carrying that key lands, so the changed rows are
    the keys of the batches landed since the last published audit: their latest version then (old) and now
    (new)."""

    system: str
    entity: str
    key: str
    cursor: str
    columns: str


@dataclass(frozen=True)
class MartRows:
    """A row-level suite over one candidate mart that the build rewrites row by row, each row stamped with
    the extraction time of the newest landed record it was built from (`version`, e.g.
    `fct_dossier.source_extracted_at`, the incremental build's watermark: docs/incremental.md). Not the
    batch id: a re-extracted old window lands under its old window's id, but its records are newer.

    GX validates the rows stamped after the newest stamp of the last published release (`changed`, with
    `{since}` for that stamp): what the build rewrote since. The tolerance is judged on whole-table
    totals that DuckDB counts in one aggregate (`totals`: one row per checked column with element,
    missing and unexpected counts, as GX counts them), so rows the build did not stamp cannot escape it;
    tests/gate/test_incremental_gate.py holds the totals to GX's own over the whole table."""

    table: str
    version: str
    changed: str
    totals: str


@dataclass(frozen=True)
class NewBatches:
    """A suite that sums a count per landed batch which must be 0 (e.g. keys twice in one batch). Landed
    batches never change (their manifests are hashed into the basis), so when the last published audit
    passed it, only the batches landed since can make it fail: `sql` reads them as `{rows[system/entity]}`
    for each entity in `entities`."""

    entities: tuple[tuple[str, str], ...]
    sql: str


@dataclass
class CheckResult:
    suite: str
    severity: Severity
    target: str
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None = None
    sample: list = field(default_factory=list)
    error: str | None = None
    element_count: int | None = None  # rows validated (all chunks)
    missing_count: int | None = None  # of which null
    mostly: float | None = None  # the tolerance, judged on the totals, never per chunk

    def describe(self) -> str:
        where = f"{self.suite} [{self.severity}] {self.target}" + (f".{self.column}" if self.column else "")
        if self.error:
            return f"{where}: {self.expectation} ERRORED: {self.error}"
        return f"{where}: {self.expectation} unexpected={self.unexpected_count} sample={self.sample[:5]}"


@dataclass
class AuditResult:
    results: list[CheckResult]
    seconds: float
    # what the next incremental audit may start from: the landed batches this audit saw, each suite's
    # fingerprint, and how it ran (expectations/incremental.py); None when the landing zone changed under it
    basis: dict | None = None

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity is Severity.FAIL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity is Severity.WARN]

    @property
    def passed(self) -> bool:
        return not self.failed

    def summary(self) -> dict:
        return {"checks": len(self.results), "failed": len(self.failed), "warnings": len(self.warnings),
                "seconds": round(self.seconds, 2)}

    def to_json(self) -> str:
        """The whole result as JSON (what the audit task hands to the publish task)."""
        return json.dumps({"seconds": self.seconds, "results": [asdict(r) for r in self.results],
                           "basis": self.basis}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> AuditResult:
        raw = json.loads(text)
        return cls([CheckResult(**{**r, "severity": Severity(r["severity"])}) for r in raw["results"]],
                   raw["seconds"], raw.get("basis"))
