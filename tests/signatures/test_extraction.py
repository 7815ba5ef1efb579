"""Verification inside extraction: statuses land with the signatures, from the configured trust store and revocations."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import duckdb
import pytest

from cchc.settings import Settings, SourceSystem
from extractors.run import Window, extract_endpoint, extract_system
from simulators.testing import running_simulators
from simulators.world import WorldConfig, build_world

ALL_TIME = Window(datetime(2000, 1, 1), datetime(2030, 1, 1))
DMS = SourceSystem.DMS


@pytest.fixture(scope="module")
def world():
    return build_world(WorldConfig(dossiers=800, documents=1500, seed=21, signature_breakage=0.2))


@pytest.fixture(scope="module")
def cluster(world):
    with running_simulators(world=world) as running:
        yield running


@pytest.fixture
def settings(tmp_path):
    return replace(Settings(), data_dir=tmp_path / "data", pii_key="test-pii-key")


def landed(settings) -> dict[str, tuple[str | None, str]]:
    glob = settings.landing_dir / "dms" / "document_signatures" / "batch=*" / "part-*.parquet"
    rows = duckdb.execute(f"select \"SignatureId\", \"VerificationStatus\", \"VerificationReason\" "
                          f"from read_parquet('{glob}')").fetchall()
    return {k: (s, r) for k, s, r in rows}


def truth(world) -> dict[str, str]:
    frame = world.signature_truth()
    return dict(zip(frame.signature_id, frame.expected_status, strict=True))


def test_extracted_statuses_equal_ground_truth_and_nothing_is_dropped(cluster, world, settings):
    manifests = extract_system(DMS, settings, cluster.base_url(DMS), ALL_TIME)
    got = landed(settings)
    expected = truth(world)
    assert {k: s for k, (s, _) in got.items()} == expected
    assert all(reason for _, reason in got.values())
    docs = next(m for m in manifests if m.entity == "documents")
    assert docs.counts["written"] == world.con.execute("select count(*) from serve_dms__documents").fetchone()[0]
    manifest = json.loads(next((settings.landing_dir / "dms" / "document_signatures").glob(
        "batch=*/_manifest.json")).read_text())
    verification = manifest["verification"]
    assert sum(verification["statuses"].values()) == manifest["counts"]["written"] == len(expected)
    assert verification["revocations"].startswith("landed certificate registry")
    assert verification["signatures_per_second"] > 0


def test_re_extracting_the_same_window_gives_the_same_statuses(cluster, settings):
    extract_system(DMS, settings, cluster.base_url(DMS), ALL_TIME)
    first = landed(settings)
    extract_system(DMS, settings, cluster.base_url(DMS), ALL_TIME)
    assert landed(settings) == first


def test_an_empty_trust_store_makes_every_sound_signature_untrusted(cluster, world, settings, tmp_path):
    empty = tmp_path / "empty-trust-store"
    empty.mkdir()
    extract_system(DMS, replace(settings, trust_store=empty), cluster.base_url(DMS), ALL_TIME)
    expected = truth(world)
    for key, (status, _) in landed(settings).items():
        # a signature that does not match its content fails before trust is looked at
        assert status == ("invalid_signature" if expected[key] == "invalid_signature" else "untrusted_issuer")


def test_revocations_come_from_the_configured_list(cluster, world, settings, tmp_path):
    crl = world.write_revocation_list(tmp_path / "revocations.csv")
    configured = replace(settings, revocation_list=crl)
    # documents only: no certificate registry landed, the list is the configuration's
    extract_endpoint(DMS, "documents", configured, cluster.base_url(DMS), ALL_TIME)
    expected = truth(world)
    assert {k: s for k, (s, _) in landed(settings).items()} == expected
    empty = tmp_path / "empty.csv"
    empty.write_text("serial,revoked_at\n")
    extract_endpoint(DMS, "documents", replace(settings, revocation_list=empty), cluster.base_url(DMS), ALL_TIME)
    got = landed(settings)
    revoked = [k for k, s in expected.items() if s == "revoked"]
    assert revoked and all(got[k][0] == "valid" for k in revoked)


def test_without_any_revocation_data_sound_signatures_stay_unverified(cluster, world, settings):
    extract_endpoint(DMS, "documents", settings, cluster.base_url(DMS), ALL_TIME)
    expected = truth(world)
    for key, (status, reason) in landed(settings).items():
        if expected[key] in ("valid", "revoked"):
            assert status is None and "no revocation data" in reason
        else:
            assert status == expected[key]


def test_a_broken_configuration_fails_before_anything_lands(cluster, settings, tmp_path):
    from extractors.signatures import ConfigurationError

    with pytest.raises(ConfigurationError, match="not a directory"):
        extract_endpoint(DMS, "documents", replace(settings, trust_store=tmp_path / "missing"),
                         cluster.base_url(DMS), ALL_TIME)
    assert not list(settings.landing_dir.glob("dms/documents/batch=*"))
