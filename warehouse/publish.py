"""Write–audit–publish on DuckDB files.

The candidate (built by dbt) is audited read-only; only if no fail-severity check failed are its
public marts copied into a new release file `<data>/releases/<id>/cchc.duckdb` (with the check
results and a release manifest) — byte for byte when the candidate is a marts-only file in the release
storage format (`release_file.copyable`), else re-inserted table by table — exported, and then published by atomically replacing the symlink
`<data>/published/cchc.duckdb` → `../releases/<id>/cchc.duckdb` (os.replace on the same file
system). A BI tool that opened the old file read-only keeps its open file; a new connection sees
the new release. No process ever writes to a published file.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cchc.landing_layout import MANIFEST, list_batches
from cchc.settings import Settings
from expectations.framework import AuditResult
from expectations.store import record_audit, record_basis
from warehouse import exports, quality_report, release_file

PUBLIC_SCHEMA = "marts"
KEEP_RELEASES = 5


class GateFailed(RuntimeError):
    """The audit found fail-severity problems; nothing was published."""


def published_path(settings: Settings) -> Path:
    return settings.data_dir / "published" / "cchc.duckdb"


def releases_dir(settings: Settings) -> Path:
    return settings.data_dir / "releases"


def current_release(settings: Settings) -> str | None:
    link = published_path(settings)
    return Path(os.readlink(link)).parent.name if link.is_symlink() else None


def list_releases(settings: Settings) -> list[str]:
    root = releases_dir(settings)
    return sorted(p.name for p in root.iterdir() if (p / "release.json").exists()) if root.exists() else []


def write_report(path: Path, audit: AuditResult, title: str) -> Path:
    """The audit's quality report page, with the history of earlier audits (warehouse/quality_report.py)."""
    return quality_report.write(path, audit, title)


@dataclass(frozen=True)
class GatedAudit:
    """An audit that passed the gate, with its quality report: the only thing `publish` takes, so the gate
    is evaluated once (the Airflow audit task) and publication cannot skip it."""

    result: AuditResult
    report: Path

    def save(self, path: Path) -> Path:
        """The audit and its report's path as one JSON file (the audit task's hand-off to publish)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"report": str(self.report), "audit": json.loads(self.result.to_json())},
                                   ensure_ascii=False))
        return path

    @classmethod
    def load(cls, path: Path) -> GatedAudit:
        raw = json.loads(Path(path).read_text())
        result = AuditResult.from_json(json.dumps(raw["audit"]))
        if not result.passed:  # a hand-edited or foreign file: never publish what the gate would block
            raise GateFailed(f"{path}: the saved audit did not pass ({len(result.failed)} fail check(s))")
        return cls(result, Path(raw["report"]))


def gate(settings: Settings, audit: AuditResult, name: str | None = None) -> GatedAudit:
    """Write the audit's quality report and pass it, or raise GateFailed (first line: the first failing
    check) after recording the blocked audit in the audit store beside the releases
    (`<data>/audits/store/`, expectations/store.py)."""
    name = name or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    report = write_report(settings.data_dir / "audits" / f"{name}.html", audit, f"CCHC audit {name}")
    if audit.passed:
        return GatedAudit(audit, report)
    record_audit(report.parent, audit.results, outcome="blocked", audit_id=report.stem)
    lines = "\n".join("  " + r.describe() for r in audit.failed)
    first = audit.failed[0]
    raise GateFailed(f"blocked by {first.suite}: {first.describe()} — {len(audit.failed)} fail-severity "
                     f"check(s) failed; nothing published. Report: {report}\n{lines}")


def _landing_batches(settings: Settings) -> list[str]:
    return sorted(str(batch.relative_to(settings.landing_dir)) for batch in list_batches(settings.landing_dir)
                  if (batch / MANIFEST).exists())


def publish(settings: Settings, candidate: Path, gated: GatedAudit, *, dbt_summary: dict | None = None,
            keep: int = KEEP_RELEASES, _before_swap=None) -> str:
    """Copy the candidate the gate passed into a new release and make it the published warehouse."""
    if not isinstance(gated, GatedAudit):
        raise TypeError(f"publish takes the GatedAudit that gate() returns, not {type(gated).__name__}")
    audit = gated.result
    release_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    release = releases_dir(settings) / release_id
    release.mkdir(parents=True)
    report = Path(shutil.copy(gated.report, release / "quality_report.html"))
    target = release / "cchc.duckdb"
    copied = release_file.copyable(candidate, PUBLIC_SCHEMA)
    written = None
    if copied:
        con, written = _copy_marts_and_export(candidate, target, release)
    else:
        con = _insert_marts(candidate, target)
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
            "order by table_name", [release_file.RELEASE_CATALOG, PUBLIC_SCHEMA]).fetchall()]
        checks = [asdict(r) | {"sample": json.dumps(r.sample, ensure_ascii=False)} for r in audit.results]
        import pandas as pd

        frame = pd.DataFrame(checks)
        con.register("checks", frame)
        con.execute(f"create table {PUBLIC_SCHEMA}.quality_check_result as select '{release_id}' as release_id, * "
                    "from checks")
        manifest = {"release_id": release_id, "published_at": datetime.now(UTC).isoformat(),
                    "tables": tables, "marts_copied_as": "file" if copied else "tables",
                    "landing_batches": _landing_batches(settings),
                    "gx_summary": audit.summary(), "dbt_summary": dbt_summary or {},
                    "quality_report": str(report.relative_to(settings.data_dir))}
        con.execute(f"create table {PUBLIC_SCHEMA}.release_manifest as select ? as release_id, ? as manifest",
                    [release_id, json.dumps(manifest, ensure_ascii=False)])
        release_file.describe_release_tables(con, PUBLIC_SCHEMA)
        manifest["exports"] = written if written is not None else exports.export_release(release, con)
        con.execute("checkpoint")
    finally:
        con.close()
    (release / "release.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    if _before_swap:
        _before_swap()
    _point_published_at(settings, release_id)
    record_audit(settings.data_dir / "audits", audit.results, outcome="published", audit_id=release_id,
                 release_id=release_id)
    if audit.basis is not None:  # what the next audit combines with: this release holds the marts it judged
        record_basis(settings.data_dir / "audits", release_id, release_id, audit.basis)
    _prune(settings, keep)
    return release_id


def _copy_marts_and_export(candidate: Path, target: Path, release: Path):
    """The candidate's marts file, byte for byte (its tables and dbt's comments as audited), and the release's
    exports written meanwhile from the candidate itself: the copy is the disk's work and the exports
    Python's (at 10M, 2.6 s copying and 5.0 s of exports one after the other). Their figures are the
    release's: the bytes are the same."""
    with ThreadPoolExecutor(1, thread_name_prefix="copy-marts") as pool:
        copying = pool.submit(shutil.copyfile, candidate, target)  # a copy, never a link: rebuilt in place
        source = duckdb.connect(str(candidate), read_only=True)
        try:
            written = exports.export_release(release, source)
        finally:
            source.close()
        copying.result()
    return release_file.open_copy(target), written


def _insert_marts(candidate: Path, target: Path):
    """The candidate's public marts re-inserted into a new file of the release format (the candidate also
    holds staging and intermediate models, in DuckDB 2.0's own format)."""
    con = release_file.open_for_writing(target)  # older storage format: DuckDB 1.1+ clients read it
    con.execute(f"attach '{candidate}' as candidate (read_only)")
    con.execute(f"create schema {PUBLIC_SCHEMA}")
    tables = [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_catalog = 'candidate' "
        "and table_schema = ?", [PUBLIC_SCHEMA]).fetchall()]
    for table in tables:
        con.execute(f"create table {PUBLIC_SCHEMA}.{table} as select * from candidate.{PUBLIC_SCHEMA}.{table}")
    release_file.copy_comments(con, "candidate", PUBLIC_SCHEMA)
    con.execute("detach candidate")
    return con


def _point_published_at(settings: Settings, release_id: str) -> None:
    link = published_path(settings)
    link.parent.mkdir(parents=True, exist_ok=True)
    tmp = link.with_name(f".cchc.duckdb.{release_id}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(Path("..") / "releases" / release_id / "cchc.duckdb", tmp)
    os.replace(tmp, link)  # atomic: readers see the old or the new release, never neither


def rollback(settings: Settings) -> str:
    """Publish the release before the current one again."""
    releases, current = list_releases(settings), current_release(settings)
    older = [r for r in releases if current is None or r < current]
    if not older:
        raise RuntimeError(f"no release older than {current} to roll back to (kept: {releases})")
    _point_published_at(settings, older[-1])
    return older[-1]


def _prune(settings: Settings, keep: int) -> None:
    current = current_release(settings)
    for name in list_releases(settings)[:-keep]:
        if name != current:
            shutil.rmtree(releases_dir(settings) / name, ignore_errors=True)
    for stale in releases_dir(settings).iterdir():  # releases that never got a release.json
        if not (stale / "release.json").exists() and stale.name != current:
            shutil.rmtree(stale, ignore_errors=True)
