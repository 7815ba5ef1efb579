"""Retry classification: transient failures are retried, client errors fail at once, no secrets leak."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from cchc.settings import SourceCredentials, SourceSystem
from extractors.http import SourceClient, SourceRequestError, SourceUnavailableError
from extractors.run import extract_endpoint
from extractors.sources import SOURCES
from simulators.http.faults import FaultConfig
from tests.extractors.conftest import FAST_RETRY


def client_for(cluster, system, config=FAST_RETRY, credentials=None, sleeps=None):
    source = SOURCES[system]
    return SourceClient(system.value, cluster.base_url(system), source.auth_headers(credentials or SourceCredentials()),
                        config, sleep=(sleeps.append if sleeps is not None else lambda s: None))


@pytest.mark.parametrize("fault", ["error_500", "error_503", "truncate"])
def test_transient_failures_are_retried_until_the_budget_runs_out(cluster, fault):
    cluster.set_faults(FaultConfig(**{fault: 1.0}))
    with client_for(cluster, SourceSystem.DISTRICT) as client, pytest.raises(SourceUnavailableError):
        client.get("/api/v1/donvi", {}, lambda body: body)
    assert client.retries == FAST_RETRY.retry.max_attempts


def test_429_waits_as_long_as_retry_after_says(cluster):
    cluster.set_faults(FaultConfig(rate_limit_429=0.5, retry_after_seconds=7))
    sleeps: list[float] = []
    config = replace(FAST_RETRY, retry=replace(FAST_RETRY.retry, retry_after_cap_s=60))
    with client_for(cluster, SourceSystem.WARD, config, sleeps=sleeps) as client:
        for _ in range(6):
            client.get("/v2/units", {}, lambda body: body)
    assert 7.0 in sleeps


def test_slow_responses_time_out_and_are_retried(cluster):
    cluster.set_faults(FaultConfig(slow=0.5, slow_seconds=1.0))
    with client_for(cluster, SourceSystem.DMS) as client:
        for _ in range(4):
            assert client.get("/dms/api/organs", {}, lambda body: body)
    slow = cluster.servers[SourceSystem.DMS].state.dice.counts["slow"]
    assert slow > 0 and client.retries == slow  # each slow response (1 s > the 0.6 s timeout) was retried once


def test_client_errors_fail_at_once_without_secrets(cluster, caplog, settings):
    caplog.set_level(logging.DEBUG)
    secret = "s3cret-token-never-printed"
    bad = replace(settings, credentials=replace(SourceCredentials(), district_token=secret))
    with pytest.raises(SourceRequestError) as err:
        extract_endpoint(SourceSystem.DISTRICT, "units", bad, cluster.base_url(SourceSystem.DISTRICT),
                         config=FAST_RETRY)
    message = str(err.value)
    assert "district_one_stop" in message and "/api/v1/donvi" in message and "401" in message
    assert secret not in message and secret not in caplog.text
    assert not (settings.state_dir / "district_one_stop" / "units.json").exists()
    with client_for(cluster, SourceSystem.WARD) as client, pytest.raises(SourceRequestError, match="400"):
        client.get("/v2/dossiers", {"limit": "99999"}, lambda body: body)
    assert client.retries == 0
