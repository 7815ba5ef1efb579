"""One published release of the Tây Hồ scenario, shared by the tests of what clients open (exports, BI)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cchc.settings import Settings, SourceSystem
from extractors.run import extract_system
from simulators.scenario import SCENARIO_DIR, load_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse.build import build_candidate
from warehouse.pipeline import audit_candidate
from warehouse.publish import gate, publish, published_path


def publish_scenario(data_dir: Path, releases: int = 1) -> tuple[Settings, Path]:
    """Build, audit and publish `releases` times (more than one gives the quality report a history)."""
    settings = replace(Settings(), data_dir=data_dir, pii_key="test-key")
    scenario = load_scenario(SCENARIO_DIR / "tay-ho-2024q1.yaml")
    with running_simulators(WorldConfig(scenario=scenario, dossiers=1500)) as cluster:
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    build = build_candidate(settings, as_of_date="2030-01-01")
    for _ in range(releases):
        audit = audit_candidate(settings, build.candidate)
        assert audit.passed, [c.describe() for c in audit.failed]
        publish(settings, build.candidate, gate(settings, audit))
    return settings, published_path(settings)
