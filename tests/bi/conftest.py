from __future__ import annotations

import pytest

from tests.release import publish_scenario


@pytest.fixture(scope="package")
def release(tmp_path_factory):
    return publish_scenario(tmp_path_factory.mktemp("bi"))
