"""Shared by the scoring tests: one published warehouse of the Tây Hồ scenario."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cchc.settings import Settings, SourceSystem
from extractors.run import extract_system
from simulators.scenario import SCENARIO_DIR, load_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse.build import build_candidate
from warehouse.pipeline import audit_candidate
from warehouse.publish import gate, publish


@pytest.fixture(scope="package")
def published(tmp_path_factory):
    """The Tây Hồ scenario (plus one background district) built, audited and published."""
    settings = replace(Settings(), data_dir=tmp_path_factory.mktemp("scoring"), pii_key="test-key")
    scenario = load_scenario(SCENARIO_DIR / "tay-ho-2024q1.yaml")
    config = WorldConfig(scenario=scenario, dossiers=1500, extra_districts=1)
    with running_simulators(config) as cluster:
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    build = build_candidate(settings, as_of_date="2030-01-01")
    audit = audit_candidate(settings, build.candidate)
    assert audit.passed, [c.describe() for c in audit.failed]
    publish(settings, build.candidate, gate(settings, audit))
    return settings, build
