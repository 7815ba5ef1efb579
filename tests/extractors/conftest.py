from dataclasses import replace

import pytest

from cchc.settings import Settings
from extractors.config import ExtractConfig, RetryPolicy
from simulators.testing import running_simulators
from simulators.world import WorldConfig, build_world

FAST_RETRY = ExtractConfig(read_timeout_s=0.6, connect_timeout_s=1.0, page_size=300,
                           retry=RetryPolicy(max_attempts=12, backoff_base_s=0.01, backoff_cap_s=0.05,
                                             retry_after_cap_s=0.05))
# Pages parsed in this process: a test that monkeypatches `extractors.run.parse_page` (a source sending
# bad values) would not reach the worker processes, which import the real one.
IN_PROCESS = replace(FAST_RETRY, parse_workers=0)


@pytest.fixture(scope="module")
def world():
    return build_world(WorldConfig(dossiers=2500, seed=3))


@pytest.fixture
def cluster(world):
    with running_simulators(world=world) as running:
        yield running


@pytest.fixture
def settings(tmp_path):
    return replace(Settings(), data_dir=tmp_path, pii_key="test-pii-key")
