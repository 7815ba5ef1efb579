"""A landing zone and candidate built once per test module (Tây Hồ scenario, 1,500 dossiers), and private
copies of it for tests that break things."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from cchc.settings import Settings, SourceSystem
from extractors.run import extract_system
from simulators.scenario import SCENARIO_DIR, load_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse.build import build_candidate


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings = replace(Settings(), data_dir=tmp_path_factory.mktemp("gate"), pii_key="k")
    scenario = load_scenario(SCENARIO_DIR / "tay-ho-2024q1.yaml")
    with running_simulators(WorldConfig(scenario=scenario, dossiers=1500)) as cluster:
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    return settings, build_candidate(settings, as_of_date="2030-01-01").candidate


@pytest.fixture
def fresh(built, tmp_path):
    """A private copy of the built data dir, so tests can break things."""
    settings, candidate = built
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data, symlinks=True)
    settings = replace(settings, data_dir=data)
    return settings, data / candidate.relative_to(built[0].data_dir)
