"""The generated world served over real HTTP: every endpoint pages completely, scenario over HTTP."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
import yaml

from cchc.settings import SourceSystem
from simulators.contract import ENDPOINTS
from simulators.scenario import SCENARIO_DIR, load_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig, build_world
from tests.simulators import report_count
from tests.simulators.test_http import fetch_all


@pytest.fixture(scope="module")
def tay_ho_cluster():
    world = build_world(WorldConfig(scenario=load_scenario(SCENARIO_DIR / "tay-ho-2024q1.yaml"), dossiers=3000))
    with running_simulators(world=world) as cluster:
        yield cluster


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.table)
def test_every_endpoint_serves_every_record_once(tay_ho_cluster, endpoint):
    expected = {k for (k,) in tay_ho_cluster.world.con.execute(f"select _key from {endpoint.table}").fetchall()}
    with httpx.Client(timeout=30) as client:
        records, _ = fetch_all(tay_ho_cluster, endpoint.system, endpoint.path, 700, client=client)
    keys = [r[endpoint.key] for r in records]
    assert len(keys) == len(set(keys)) == len(expected) and set(keys) == expected


def test_tay_ho_figures_over_http(tay_ho_cluster):
    raw = yaml.safe_load((SCENARIO_DIR / "tay-ho-2024q1.yaml").read_text())
    start, end = date(2024, 1, 1), date(2024, 3, 31)
    with httpx.Client(timeout=30) as client:
        def get(system, path):
            return fetch_all(tay_ho_cluster, system, path, 2000, client=client)[0]

        units = get(SourceSystem.WARD, "/v2/units")
        wards = {u["code"] for u in units if u["district_code"] == "003"}
        district = report_count.district_figures(get(SourceSystem.DISTRICT, "/api/v1/hoso"), "H01.003", start, end)
        ward = report_count.ward_figures(get(SourceSystem.WARD, "/v2/dossiers"), get(SourceSystem.WARD, "/v2/ratings"),
                                         wards, start, end)
        certs = report_count.certificate_figures(get(SourceSystem.DMS, "/dms/api/certificates"),
                                                 get(SourceSystem.DMS, "/dms/api/organs"), wards | {"003"}, start, end)
    for level, counted in (("district", district), ("wards", ward)):
        for key, value in report_count.flatten(raw["one_stop"][level]).items():
            assert counted[key] == value, (level, key)
    assert dict(certs) == raw["certificates"]
