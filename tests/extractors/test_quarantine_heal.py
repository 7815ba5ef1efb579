"""Quarantine heals (issue 15, item 6): quarantined records are re-requested on later runs until they
land, or declared dead after N tries; open quarantine is reported; bad values never stop a run."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import orjson

from cchc.settings import SourceSystem
from expectations.runner import landing_checks
from extractors import run as run_module
from extractors.run import extract_endpoint, extract_system
from extractors.state import Rework, ReworkLedger
from simulators.http.faults import FaultConfig
from tests.extractors.conftest import FAST_RETRY, IN_PROCESS
from tests.extractors.test_extract import ALL_TIME, landed, quarantined, world_keys


def ledger(settings, system: SourceSystem):
    return ReworkLedger(settings.state_dir, system.value).items()


def test_records_quarantined_for_malformed_responses_land_on_the_next_clean_run(cluster, settings):
    url = cluster.base_url(SourceSystem.WARD)
    cluster.set_faults(FaultConfig(malformed=0.6))
    extract_system(SourceSystem.WARD, settings, url, config=FAST_RETRY)
    items = [i for i in ledger(settings, SourceSystem.WARD) if i.entity == "dossiers"]
    assert items and items[0].kind is Rework.QUARANTINE and quarantined(settings, SourceSystem.WARD, "dossiers")
    assert set(landed(settings, SourceSystem.WARD, "dossiers", "id")) < world_keys(
        cluster.world, "serve_ward_one_stop__dossiers")  # the malformed ones are missing …
    cluster.set_faults(FaultConfig())
    extract_system(SourceSystem.WARD, settings, url, config=FAST_RETRY)  # … one clean run later they are not
    assert set(landed(settings, SourceSystem.WARD, "dossiers", "id")) == world_keys(
        cluster.world, "serve_ward_one_stop__dossiers")
    assert ledger(settings, SourceSystem.WARD) == []
    assert [c.success for c in landing_checks(settings.landing_dir, settings.state_dir)] == [True, True, True]


def _with(field: str, value, only_key: str | None = None):
    """A parse_page that makes the source send an implausible value (for every record, or one key)."""
    real = run_module.parse_page

    def parse(body, source, endpoint, missing):
        envelope = orjson.loads(body)
        for record in envelope[source.records_field]:
            if field in record and (only_key is None or record[endpoint.key] == only_key):
                record[field] = value
        return real(orjson.dumps(envelope), source, endpoint, missing)

    return parse


def test_a_far_future_date_is_quarantined_with_its_rule_and_heals_when_the_source_fixes_it(
        cluster, settings, monkeypatch):
    url = cluster.base_url(SourceSystem.DISTRICT)
    victim = sorted(world_keys(cluster.world, "serve_district_one_stop__dossiers"))[7]
    monkeypatch.setattr(run_module, "parse_page", _with("NgayTiepNhan", "29990101000000", victim))
    extract_system(SourceSystem.DISTRICT, settings, url, config=IN_PROCESS)
    files = list((settings.quarantine_dir / "district_one_stop" / "dossiers").glob("batch=*/part-*.parquet"))
    reasons = duckdb.execute("select _key, _reason from read_parquet(?)", [[str(f) for f in files]]).fetchall()
    assert reasons == [(victim, "field NgayTiepNhan: implausible value '29990101000000' (must be between "
                                "20000101000000 and " + reasons[0][1].rsplit(" ", 1)[1])]
    assert victim not in landed(settings, SourceSystem.DISTRICT, "dossiers", "MaHoSo")
    assert victim not in landed(settings, SourceSystem.DISTRICT, "processing_steps", "MaHoSo")  # nor its children
    monkeypatch.undo()
    extract_system(SourceSystem.DISTRICT, settings, url, config=FAST_RETRY)
    assert victim in landed(settings, SourceSystem.DISTRICT, "dossiers", "MaHoSo")
    assert ledger(settings, SourceSystem.DISTRICT) == []


def test_a_window_that_never_heals_is_declared_dead_and_reported(cluster, settings, monkeypatch):
    url = cluster.base_url(SourceSystem.WARD)
    config = replace(IN_PROCESS, rework_dead_after=3)
    monkeypatch.setattr(run_module, "parse_page", _with("duration_working_days", -30))
    extract_system(SourceSystem.WARD, settings, url, config=config)
    procedures = world_keys(cluster.world, "serve_ward_one_stop__procedures")
    assert landed(settings, SourceSystem.WARD, "procedures", "code") == []  # not one negative duration landed
    for run in range(1, 4):
        (item,) = [i for i in ledger(settings, SourceSystem.WARD) if i.entity == "procedures"]
        assert (item.attempts, item.dead, set(item.keys)) == (run - 1, False, procedures)
        extract_system(SourceSystem.WARD, settings, url, config=config)
    (item,) = [i for i in ledger(settings, SourceSystem.WARD) if i.entity == "procedures"]
    assert item.dead and item.attempts == 3
    checks = {c.suite: c for c in landing_checks(settings.landing_dir, settings.state_dir)}
    assert not checks["open_quarantine"].success and checks["open_quarantine"].unexpected_count == len(procedures)
    assert "ward_one_stop/procedures" in checks["open_quarantine"].sample[0] and "DEAD" in checks["open_quarantine"].sample[0]
    assert checks["landing_integrity"].success and checks["landing_awaiting_reextraction"].success
    # the source fixes the values and the records change: a later window lands them, and the dead item
    # (no longer re-requested) is settled by the next run without a request for it
    monkeypatch.undo()
    extract_endpoint(SourceSystem.WARD, "procedures", settings, url, ALL_TIME, config)
    assert set(landed(settings, SourceSystem.WARD, "procedures", "code")) == procedures
    assert [i.entity for i in ledger(settings, SourceSystem.WARD)] == ["procedures"]
    run_module.rework(SourceSystem.WARD, settings, url, config)
    assert ledger(settings, SourceSystem.WARD) == []
