"""The warehouse run as one call each for Airflow tasks and the CLI: build → audit → gate → publish."""

from __future__ import annotations

from pathlib import Path

from cchc.settings import Settings
from expectations.framework import AuditResult
from expectations.runner import audit as run_audit
from expectations.store import latest_basis
from warehouse.build import BuildResult, build_candidate, candidate_path
from warehouse.publish import GatedAudit, gate, publish, releases_dir


def audit_candidate(settings: Settings, candidate: Path | None = None, *, full: bool = False) -> AuditResult:
    """The audit, incremental from the newest published audit's basis when there is one (its release
    still kept), else — or with `full` — over every row."""
    basis = None if full else latest_basis(settings.data_dir / "audits")
    release = releases_dir(settings) / basis["release_id"] / "cchc.duckdb" if basis else None
    return run_audit(candidate or candidate_path(settings), settings.landing_dir, state_dir=settings.state_dir,
                     basis=basis, base_release=release)


def audit_and_gate(settings: Settings, candidate: Path | None = None, name: str | None = None, *,
                   full: bool = False) -> GatedAudit:
    """Audit the candidate read-only and pass it through the gate (raises GateFailed, nothing published)."""
    return gate(settings, audit_candidate(settings, candidate, full=full), name)


def build_audit_publish(settings: Settings, as_of_date: str | None = None) -> tuple[BuildResult, AuditResult, str]:
    build = build_candidate(settings, as_of_date=as_of_date)
    gated = audit_and_gate(settings, build.candidate)
    release = publish(settings, build.candidate, gated,
                      dbt_summary={"seconds": round(build.seconds, 2), "nodes": len(build.results)})
    return build, gated.result, release
