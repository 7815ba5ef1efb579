"""Resume within an endpoint (issue 15, item 7): a page whose retries ran out is requested again from
the run's retry budget instead of restarting the endpoint; when the budget is spent the circuit
opens naming the endpoint, the pages before it are committed, and the next run resumes after them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from cchc.settings import SourceSystem
from extractors.config import RetryPolicy
from extractors.integrity import check_landing
from extractors.run import CircuitOpen, extract_endpoint
from extractors.state import StateStore
from simulators.http.faults import FaultConfig
from tests.extractors.conftest import FAST_RETRY
from tests.extractors.test_extract import landed, world_keys

FRAGILE = replace(FAST_RETRY, page_size=100, retry=RetryPolicy(max_attempts=2, backoff_base_s=0.001,
                                                              backoff_cap_s=0.002, retry_after_cap_s=0.002))
TABLE = "serve_ward_one_stop__dossiers"


def test_a_page_that_exhausts_its_retries_is_re_requested_not_the_endpoint(cluster, settings):
    cluster.set_faults(FaultConfig(error_500=0.5))  # ~25 % of pages fail both attempts
    manifest = extract_endpoint(SourceSystem.WARD, "dossiers", settings, cluster.base_url(SourceSystem.WARD),
                                config=replace(FRAGILE, retry_budget=1_000))
    assert set(landed(settings, SourceSystem.WARD, "dossiers", "id")) == world_keys(cluster.world, TABLE)
    assert manifest.counts["written"] == len(world_keys(cluster.world, TABLE))


def test_the_circuit_opens_naming_the_endpoint_and_the_next_run_resumes(cluster, settings):
    url = cluster.base_url(SourceSystem.WARD)
    everything = world_keys(cluster.world, TABLE)
    cluster.set_faults(FaultConfig(error_500=0.6))
    runs, landed_before = 0, 0
    while True:
        runs += 1
        try:
            extract_endpoint(SourceSystem.WARD, "dossiers", settings, url, config=replace(FRAGILE, retry_budget=2))
        except CircuitOpen as exc:
            assert str(exc).startswith("ward_one_stop /v2/dossiers: circuit open after 2 page re-requests this run")
            now = len(set(landed(settings, SourceSystem.WARD, "dossiers", "id")))
            assert now >= landed_before  # each run keeps what came through …
            landed_before = now
            assert check_landing(settings) == []  # … as a sound (partial) batch
            assert runs < 60
            continue
        break
    assert set(landed(settings, SourceSystem.WARD, "dossiers", "id")) == everything  # nothing lost
    partial = [json.loads(p.read_text()) for p in
               (settings.landing_dir / "ward_one_stop" / "dossiers").glob("batch=*/_manifest.json")]
    assert runs > 1 and any(m.get("partial") for m in partial)
    assert StateStore(settings.state_dir).high_water("ward_one_stop", "dossiers") is not None


@pytest.mark.parametrize("budget", [0])
def test_a_source_that_is_down_opens_the_circuit_at_once(cluster, settings, budget):
    cluster.set_faults(FaultConfig(error_503=1.0))
    with pytest.raises(CircuitOpen, match="^district_one_stop /api/v1/hoso: circuit open"):
        extract_endpoint(SourceSystem.DISTRICT, "dossiers", settings, cluster.base_url(SourceSystem.DISTRICT),
                         config=replace(FRAGILE, retry_budget=budget))
    assert not list((settings.landing_dir / "district_one_stop" / "dossiers").glob("batch=*/part-*.parquet"))
