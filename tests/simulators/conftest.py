import pytest

from simulators.testing import running_simulators
from tests.simulators.fake_world import FakeWorld


@pytest.fixture
def fake_cluster():
    with running_simulators(world=FakeWorld()) as cluster:
        yield cluster
