"""Seeded run, simulators → extractors → dbt → quality gate: verified-signature figures equal the ground truth."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from cchc.settings import Settings, SourceSystem
from expectations.framework import Severity
from expectations.runner import _context, run_suite
from expectations.suites import SUITES
from extractors.run import extract_system
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse.build import build_candidate

FIGURES = ("signatures_valid", "signatures_invalid", "legally_valid_electronic", "outgoing_electronic")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings = replace(Settings(), data_dir=tmp_path_factory.mktemp("signatures"), pii_key="test-key")
    with running_simulators(WorldConfig(dossiers=1500, documents=2500, seed=30, signature_breakage=0.08)) as cluster:
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
        signatures, documents = cluster.world.signature_truth(), cluster.world.document_truth()
    result = build_candidate(settings, as_of_date="2030-01-01")
    return settings, result, signatures, documents


def truth_per_period(signatures, documents, period: str) -> dict:
    con = duckdb.connect()
    con.register("sig", signatures)
    con.register("doc", documents)
    rows = con.execute(f"""
        with d as (
            select unit_code, date_trunc('{period}', issued_date)::date as period_start,
                   count(*) filter (where electronic) as outgoing_electronic,
                   count(*) filter (where legally_complete) as legally_valid_electronic
            from doc where outgoing group by all
        ), s as (
            select unit_code, date_trunc('{period}', issued_date)::date as period_start,
                   count(*) filter (where expected_status = 'valid') as signatures_valid,
                   count(*) filter (where expected_status <> 'valid') as signatures_invalid
            from sig where outgoing group by all
        )
        select d.unit_code, d.period_start, coalesce(signatures_valid, 0), coalesce(signatures_invalid, 0),
               legally_valid_electronic, outgoing_electronic
        from d left join s using (unit_code, period_start)""").fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_rpt_document_period_equals_the_simulators_ground_truth(built, period):
    _, result, signatures, documents = built
    con = duckdb.connect(str(result.candidate), read_only=True)
    rows = con.execute(f"select unit_code, period_start, {', '.join(FIGURES)} from marts.rpt_document_period "
                       "where period_type = ? and outgoing_total > 0", [period]).fetchall()
    got = {(r[0], r[1]): r[2:] for r in rows}
    expected = truth_per_period(signatures, documents, period)
    assert got == expected
    assert sum(v[1] for v in expected.values()) > 0 and sum(v[0] for v in expected.values()) > 0
    rates = con.execute("select min(signature_valid_rate), max(signature_valid_rate), min(legally_valid_rate), "
                        "max(legally_valid_rate) from marts.rpt_document_period").fetchone()
    assert all(r is not None and 0 <= r <= 1 for r in rates)


def test_each_signature_and_document_matches_the_ground_truth(built):
    _, result, signatures, documents = built
    con = duckdb.connect(str(result.candidate), read_only=True)
    got = dict(con.execute("select signature_id, verification_status from marts.fct_document_signature").fetchall())
    assert got == dict(zip(signatures.signature_id, signatures.expected_status, strict=True))
    complete = dict(con.execute("select document_id, legally_complete from marts.fct_document").fetchall())
    assert complete == dict(zip(documents.document_id, documents.legally_complete, strict=True))
    # every document landed and reached the fact, broken signatures or not
    assert len(complete) == len(documents)


def test_quality_gate_checks(built, tmp_path):
    settings, result, _, _ = built
    suites = {s.name: s for s in SUITES}
    context = _context()
    con = duckdb.connect(str(result.candidate), read_only=True)
    verified = run_suite(context, con, suites["signatures_all_verified"], settings.landing_dir)
    assert suites["signatures_all_verified"].severity is Severity.FAIL and all(c.success for c in verified)
    share = run_suite(context, con, suites["signature_invalid_share_per_agency"], settings.landing_dir)
    assert suites["signature_invalid_share_per_agency"].severity is Severity.WARN
    assert share and all(c.error is None for c in share)
    con.close()
    # a candidate with a signature left unverified fails the fail-level suite
    bad = duckdb.connect(str(tmp_path / "bad.duckdb"))
    bad.execute("create schema marts; create table marts.fct_document_signature as "
                "select * from (values ('valid'), (null), ('unknown')) t(verification_status)")
    failed = run_suite(context, bad, suites["signatures_all_verified"], settings.landing_dir)
    assert failed and not any(c.success for c in failed) and failed[0].sample
