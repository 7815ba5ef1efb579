"""Extraction into the landing zone against the running simulators, faults included."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pyarrow.parquet as pq
import pytest

from cchc.settings import SourceSystem
from extractors import landing
from extractors.run import Window, extract_endpoint, extract_system
from simulators.http.faults import FaultConfig
from tests.extractors.conftest import FAST_RETRY

ALL_TIME = Window(datetime(2000, 1, 1), datetime(2030, 1, 1))


def landed(settings, system: SourceSystem, entity: str, column: str) -> list[str]:
    glob = settings.landing_dir / system.value / entity / "batch=*" / "part-*.parquet"
    if not list(glob.parent.parent.glob("batch=*/part-*.parquet")):
        return []
    return [r[0] for r in duckdb.execute(f"select \"{column}\" from read_parquet('{glob}')").fetchall()]


def quarantined(settings, system: SourceSystem, entity: str) -> list[str | None]:
    files = list((settings.quarantine_dir / system.value / entity).glob("batch=*/part-*.parquet"))
    return [k for f in files for k in pq.read_table(f)["_key"].to_pylist()]


def world_keys(world, table: str, before: datetime | None = None) -> set[str]:
    sql = f"select _key from {table}" + (" where _cursor < ?" if before else "")
    return {k for (k,) in world.con.execute(sql, [before] if before else []).fetchall()}


@pytest.mark.parametrize(("system", "entity", "table"), [
    (SourceSystem.DISTRICT, "dossiers", "serve_district_one_stop__dossiers"),
    (SourceSystem.WARD, "dossiers", "serve_ward_one_stop__dossiers"),
    (SourceSystem.DMS, "documents", "serve_dms__documents"),
])
def test_no_record_lost_with_every_fault_on(cluster, settings, system, entity, table):
    key = {"dossiers": "MaHoSo" if system is SourceSystem.DISTRICT else "id", "documents": "DocId"}[entity]
    end = cluster.world.as_of.replace(microsecond=0)
    cluster.set_faults(FaultConfig.every_fault(0.15, slow_seconds=1.0))
    manifest = extract_endpoint(system, entity, settings, cluster.base_url(system), Window(datetime(2000, 1, 1), end),
                                FAST_RETRY)
    counts = manifest.counts
    assert counts["fetched"] == counts["written"] + counts["quarantined"] + counts["duplicates_dropped"]
    assert manifest.source_reported_total is None or manifest.source_reported_total > 0
    got = set(landed(settings, system, entity, key)) | {k for k in quarantined(settings, system, entity) if k}
    keyless = sum(k is None for k in quarantined(settings, system, entity))
    # records moved past the window end by a concurrent update are the next window's business
    expected = world_keys(cluster.world, table, before=end)
    assert len(expected - got) <= keyless
    # the next (clean, incremental) run picks up what moved and what was quarantined
    cluster.set_faults(FaultConfig())
    extract_endpoint(system, entity, settings, cluster.base_url(system), Window(end, datetime(2030, 1, 1)), FAST_RETRY)
    extract_endpoint(system, entity, settings, cluster.base_url(system), ALL_TIME, FAST_RETRY)
    assert set(landed(settings, system, entity, key)) >= world_keys(cluster.world, table)


def test_schema_drift_is_reported_in_the_manifest(cluster, settings):
    cluster.set_faults(FaultConfig(extra_field=1.0))
    manifest = extract_endpoint(SourceSystem.DMS, "organs", settings, cluster.base_url(SourceSystem.DMS), ALL_TIME,
                                FAST_RETRY)
    written = json.loads(next((settings.landing_dir / "dms" / "organs").glob("batch=*/_manifest.json")).read_text())
    assert manifest.schema_drift == written["schema_drift"] == {"SecurityClassification": manifest.counts["written"]}
    extras = landed(settings, SourceSystem.DMS, "organs", "_extra_fields")
    assert all(json.loads(e) == {"SecurityClassification": "v2-added-by-vendor-upgrade"} for e in extras)


def test_crash_mid_batch_leaves_nothing_visible_and_state_unchanged(cluster, settings, monkeypatch):
    real_write = landing.BatchWriter.write
    calls = {"n": 0}

    def crashing(self, table):
        real_write(self, table)
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(landing.BatchWriter, "write", crashing)
    with pytest.raises(RuntimeError, match="disk full"):
        extract_endpoint(SourceSystem.DISTRICT, "dossiers", settings, cluster.base_url(SourceSystem.DISTRICT),
                         config=FAST_RETRY)
    entity_dir = settings.landing_dir / "district_one_stop" / "dossiers"
    assert not list(entity_dir.glob("batch=*")) and not list(entity_dir.glob(".tmp-*"))
    assert not (settings.state_dir / "district_one_stop" / "dossiers.json").exists()
    monkeypatch.setattr(landing.BatchWriter, "write", real_write)
    manifest = extract_endpoint(SourceSystem.DISTRICT, "dossiers", settings,
                                cluster.base_url(SourceSystem.DISTRICT), config=FAST_RETRY)
    assert manifest.counts["written"] == len(world_keys(cluster.world, "serve_district_one_stop__dossiers"))
    state = json.loads((settings.state_dir / "district_one_stop" / "dossiers.json").read_text())
    assert state["batch_id"] == manifest.batch_id


def test_a_crash_between_swap_renames_is_repaired(settings):
    entity_dir = settings.landing_dir / "dms" / "organs"
    trashed = entity_dir / ".trash-20240101T000000_20240102T000000-abcd1234"
    trashed.mkdir(parents=True)
    (trashed / "_manifest.json").write_text("{}")
    landing.recover(entity_dir)
    assert (entity_dir / "batch=20240101T000000_20240102T000000" / "_manifest.json").exists()


def test_re_extracting_a_window_replaces_its_batch(cluster, settings):
    window = Window(datetime(2024, 2, 1), datetime(2024, 3, 1))
    first = extract_system(SourceSystem.WARD, settings, cluster.base_url(SourceSystem.WARD), window, FAST_RETRY)
    rows = sorted(landed(settings, SourceSystem.WARD, "dossiers", "id"))
    again = extract_system(SourceSystem.WARD, settings, cluster.base_url(SourceSystem.WARD), window, FAST_RETRY)
    assert [m.counts for m in first] == [m.counts for m in again]
    assert sorted(landed(settings, SourceSystem.WARD, "dossiers", "id")) == rows and rows
    batches = list((settings.landing_dir / "ward_one_stop" / "dossiers").iterdir())
    assert [b.name for b in batches] == [f"batch={window.batch_id}"]
    manifest = json.loads((batches[0] / "_manifest.json").read_text())
    assert manifest["window"]["start"] == "2024-02-01T00:00:00" and manifest["counts"]["written"] == len(rows)
    assert set(manifest["checksum"]) == set(manifest["parts"])


def test_incremental_state_advances_and_looks_back(cluster, settings):
    url = cluster.base_url(SourceSystem.DISTRICT)
    world = cluster.world
    full_as_of = world.as_of
    cluster.move_clock(datetime(2024, 3, 15))
    try:
        extract_endpoint(SourceSystem.DISTRICT, "dossiers", settings, url, config=FAST_RETRY)
        mark = json.loads((settings.state_dir / "district_one_stop" / "dossiers.json").read_text())["high_water"]
        assert mark <= "2024-03-15T00:00:00"
        cluster.move_clock(full_as_of)
        second = extract_endpoint(SourceSystem.DISTRICT, "dossiers", settings, url, config=FAST_RETRY)
        assert second.batch_id.startswith((datetime.fromisoformat(mark) - FAST_RETRY.lookback).strftime("%Y%m%dT%H%M%S"))
        latest = duckdb.execute(
            f"select \"MaHoSo\", max(\"NgayCapNhat\") from read_parquet('{settings.landing_dir}/district_one_stop/"
            f"dossiers/batch=*/part-*.parquet') group by 1").fetchall()
        served = dict(world.con.execute(
            "select _key, strftime(_cursor, '%Y%m%d%H%M%S') from serve_district_one_stop__dossiers").fetchall())
        assert dict(latest) == served  # every change made after the first run was picked up
    finally:
        cluster.move_clock(full_as_of)


def test_personal_data_never_reaches_disk(cluster, settings, world):
    cluster.set_faults(FaultConfig(malformed=0.5))  # quarantined payloads must be scrubbed too
    for system in SourceSystem:
        extract_system(system, settings, cluster.base_url(system), ALL_TIME, FAST_RETRY)
    people = world.con.execute(
        "select applicant_name, applicant_id, phone, email from w_dossier using sample 300 rows").fetchall()
    secrets = {v for row in people for v in row} | {"+84" + p[1:] for _, _, p, _ in people}
    text = []
    # the DMS holds officials' names (signers), which are public and may coincide with an applicant's
    for path in (p for p in settings.data_dir.rglob("*") if "dms" not in p.parts):
        if path.suffix == ".parquet":
            text.append(str(pq.read_table(path).to_pylist()))
        elif path.is_file():
            text.append(path.read_text(errors="ignore"))
    blob = "\n".join(text)
    assert "ps_" in blob
    leaked = [s for s in secrets if s in blob]
    assert not leaked, leaked[:5]
    ids = {p[1] for p in people}
    assert not [i for i in ids if any(i in t for t in text_of(settings.data_dir / "landing" / "dms"))]


def text_of(root):
    for path in root.rglob("*.parquet"):
        yield str(pq.read_table(path).to_pylist())
