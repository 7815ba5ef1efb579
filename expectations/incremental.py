"""The incremental audit: row-level suites judge only the rows that changed since the last published
audit, and their totals are combined with that audit's stored totals (docs/gate.md, "The gate scales
with the change").

A published audit leaves a basis in the audit store (expectations/store.py, `<id>.basis.json`): the
landed batches it saw (each with the sha256 of its manifest, which lists every part's sha256), the
fingerprint of every suite, and per check the whole-table totals GX counted — rows, missing values,
unexpected values — and the tolerance. Those counts add up over rows (the runner already sums them
over chunks), so for a multiset of rows that lost the rows `old` and gained the rows `new`:

    total(now) = total(base) - total(old) + total(new)

and the tolerance is judged on that total exactly as the full audit judges its summed chunks. For
`LatestInLanding` suites (expectations/framework.py) `old` and `new` are the latest versions, before and
after, of the keys in the batches landed since the basis. A `NewBatches` suite (a per-batch count that must be 0) reads only the batches
landed since a basis that passed it. A `MartRows` suite is cheaper still: GX
validates the rows the build stamped after the base release's newest stamp, and DuckDB counts the
whole table's totals in one aggregate (a diff of the table against the release would cost a pass over
both). Everything else — a suite without a delta,
a suite whose definition changed, a check the basis lacks or that errored then — runs in full, as does
the whole audit when there is no basis or a batch it saw is gone or was rewritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cchc.landing_layout import MANIFEST, batch_parts, list_batches
from expectations.framework import CheckResult, LatestInLanding, MartRows, Suite

BASIS_VERSION = 1
BASE_CATALOG = "base_release"


def landing_snapshot(landing: Path) -> dict[str, str]:
    """Every visible batch (path relative to the landing root) → the sha256 of its manifest."""
    return {str(batch.relative_to(landing)): hashlib.sha256((batch / MANIFEST).read_bytes()).hexdigest()
            for batch in list_batches(landing) if (batch / MANIFEST).exists()}


def fingerprint(suite: Suite) -> str:
    """What the suite checks: its query, its delta and its expectations' configuration. A basis counted
    under another definition is not combined with."""
    expectations = [e.configuration.to_json_dict() for e in suite.expectations()]
    text = json.dumps([suite.name, str(suite.severity), suite.sql, repr(suite.delta), expectations],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def basis_of(snapshot: dict[str, str], fingerprints: dict[str, str], modes: dict[str, str],
             results: list[CheckResult]) -> dict:
    """The basis an audit leaves for the next one (stored when it is published)."""
    return {"version": BASIS_VERSION, "batches": snapshot, "suites": fingerprints, "modes": modes,
            "checks": [{"suite": r.suite, "expectation": r.expectation, "column": r.column, "success": r.success,
                        "element_count": r.element_count, "missing_count": r.missing_count,
                        "unexpected_count": r.unexpected_count, "mostly": r.mostly, "error": r.error}
                       for r in results]}


@dataclass(frozen=True)
class Plan:
    """A usable basis: every batch it saw is still there, unchanged, and its release file exists."""

    basis: dict
    base_release: Path
    snapshot: dict[str, str]

    @classmethod
    def of(cls, basis: dict | None, base_release: Path | None, snapshot: dict[str, str]) -> Plan | None:
        if not basis or basis.get("version") != BASIS_VERSION or base_release is None or not base_release.exists():
            return None
        if any(snapshot.get(batch) != digest for batch, digest in basis["batches"].items()):
            return None  # a batch the basis counted was removed or rewritten: its totals no longer hold
        return cls(basis, base_release, snapshot)

    def base_checks(self, suite: Suite, suite_fingerprint: str) -> dict[tuple, dict] | None:
        """The suite's stored totals, or None when they cannot be combined with (changed definition,
        an error or a check without counts)."""
        if self.basis["suites"].get(suite.name) != suite_fingerprint:
            return None
        checks = {(c["expectation"], c["column"]): c for c in self.basis["checks"] if c["suite"] == suite.name}
        if not checks or any(c["error"] or c["element_count"] is None or c["unexpected_count"] is None
                             for c in checks.values()):
            return None
        return checks

    def new_batches(self, system: str, entity: str) -> list[str]:
        prefix = f"{system}/{entity}/"
        return sorted(b for b in self.snapshot if b.startswith(prefix) and b not in self.basis["batches"])

    def batches(self, system: str, entity: str) -> list[str]:
        prefix = f"{system}/{entity}/"
        return sorted(b for b in self.snapshot if b.startswith(prefix))


def _paths(landing: Path, batches: list[str]) -> list[str]:
    return [str(part) for batch in batches for part in batch_parts(landing / batch)]


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


def changed_rows(plan: Plan, suite: Suite, landing: Path) -> tuple[str, str] | None:
    """(old rows, new rows) of the suite as two queries, or None when nothing changed."""
    delta = suite.delta
    if isinstance(delta, LatestInLanding):
        new = plan.new_batches(delta.system, delta.entity)
        if not new:
            return None
        # the batches this audit reads are the snapshot's, listed by file: a batch landing meanwhile is not
        # half-counted; union_by_name over all of them gives the types the full audit sees
        every, added = _paths(landing, plan.batches(delta.system, delta.entity)), _paths(landing, new)
        rows = f"read_parquet({_sql_list(every)}, union_by_name = true, filename = true)"
        keys = f"select \"{delta.key}\" from read_parquet({_sql_list(added)}, union_by_name = true)"
        latest = (f"qualify row_number() over (partition by \"{delta.key}\" order by \"{delta.cursor}\" desc, "
                  "_batch_id desc) = 1")
        old = (f"select {delta.columns} from {rows} where \"{delta.key}\" in ({keys}) "
               f"and filename not in {_sql_list(added)} {latest}")
        return old, f"select {delta.columns} from {rows} where \"{delta.key}\" in ({keys}) {latest}"
    if isinstance(delta, MartRows):
        raise TypeError(f"suite {suite.name}: mart rows are read by `mart_changes`, not as old and new rows")
    raise TypeError(f"suite {suite.name}: no incremental reading for {type(delta).__name__}")


def mart_changes(con: duckdb.DuckDBPyConnection, suite: Suite) -> tuple[str, dict[str, tuple[int, int, int]]]:
    """A `MartRows` suite: the query of the rows rewritten since the base release, and the whole table's
    totals per checked column (element, missing, unexpected)."""
    delta = suite.delta
    [(since,)] = con.execute(f"select max({delta.version}) from {BASE_CATALOG}.marts.{delta.table}").fetchall()
    # an empty base table has no stamp: nothing is compared greater than null, and the totals still
    # cover every row
    changed = delta.changed.format(since="null" if since is None else "'" + str(since).replace("'", "''") + "'")
    totals = {column: (elements, missing, unexpected)
              for column, elements, missing, unexpected in con.execute(delta.totals).fetchall()}
    return changed, totals


def new_batches_query(plan: Plan, suite: Suite, landing: Path) -> str | None:
    """A `NewBatches` suite over the batches landed since the basis (an entity without any: no rows), or
    None when none landed for any of its entities."""
    delta = suite.delta
    rows, anything = {}, False
    for system, entity in delta.entities:
        added = _paths(landing, plan.new_batches(system, entity))
        anything = anything or bool(added)
        shape = added or _paths(landing, plan.batches(system, entity))[:1]  # its columns, none of its rows
        rows[f"{system}/{entity}"] = (f"(select * from read_parquet({_sql_list(shape)}, union_by_name = true)"
                                      f"{'' if added else ' limit 0'})")
    return delta.sql.format(rows=rows) if anything else None


def attach_base(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    con.execute(f"attach '{plan.base_release}' as {BASE_CATALOG} (read_only)")


def settle_mart(suite: Suite, base: dict[tuple, dict], changed: dict[tuple, CheckResult],
                totals: dict[str, tuple[int, int, int]]) -> list[CheckResult] | None:
    """The whole table's totals, judged by each check's tolerance; the sample from the changed rows."""
    if not set(changed) <= set(base) or {column for _, column in base} != set(totals):
        return None
    checks = []
    for key, stored in base.items():
        came = changed.get(key)
        elements, missing, unexpected = totals[key[1]]
        counted, mostly = elements - missing, stored["mostly"]
        error = came.error if came else None
        success = not error and (unexpected == 0 if mostly is None
                                 else counted == 0 or (counted - unexpected) / counted >= mostly)
        checks.append(CheckResult(
            suite=suite.name, severity=suite.severity, target=suite.target, expectation=key[0], column=key[1],
            success=success, unexpected_count=unexpected, sample=came.sample if came else [], error=error,
            element_count=elements, missing_count=missing, mostly=mostly))
    return checks


def combine(suite: Suite, base: dict[tuple, dict], old: dict[tuple, CheckResult],
            new: dict[tuple, CheckResult]) -> list[CheckResult] | None:
    """Base totals minus the old rows' plus the new rows'; None when GX reported checks the basis lacks."""
    if not set(old) <= set(base) or not set(new) <= set(base):
        return None
    combined = []
    for key, stored in base.items():
        gone, came = old.get(key), new.get(key)
        error = (gone.error if gone else None) or (came.error if came else None)

        def total(field: str, stored=stored, gone=gone, came=came) -> int:
            return (stored[field] or 0) - ((getattr(gone, field) or 0) if gone else 0) + \
                ((getattr(came, field) or 0) if came else 0)

        unexpected, elements, missing = total("unexpected_count"), total("element_count"), total("missing_count")
        mostly = stored["mostly"]
        counted = elements - missing
        if error:
            success = False
        elif mostly is None:  # a column-map expectation without tolerance holds when no value is unexpected
            success = unexpected == 0
        else:
            success = counted == 0 or (counted - unexpected) / counted >= mostly
        combined.append(CheckResult(
            suite=suite.name, severity=suite.severity, target=suite.target, expectation=key[0], column=key[1],
            success=success, unexpected_count=unexpected, sample=came.sample if came else [], error=error,
            element_count=elements, missing_count=missing, mostly=mostly))
    return combined
