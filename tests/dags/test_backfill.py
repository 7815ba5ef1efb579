"""A backfill of two past intervals, run through Airflow, gives the same warehouse as one run over both."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, datetime

import pytest

from cchc.settings import Settings, SimulatorPorts, SourceSystem
from extractors.run import Window, extract_system
from pipeline.local_airflow import airflow_cli as airflow
from pipeline.local_airflow import airflow_env
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse.build import build_candidate
from warehouse.compare import compare_marts
from warehouse.publish import published_path

PORTS = SimulatorPorts(district=18741, ward=18742, dms=18743)
# Before the backfill the landing zone already holds everything up to this moment (Vietnam time).
LOADED_UNTIL = datetime(2024, 3, 5, 9)
BACKFILLED = {  # two consecutive logical dates per extract DAG (hourly, hourly, daily)
    SourceSystem.DISTRICT: ["2024-03-05T09:00:00+07:00", "2024-03-05T10:00:00+07:00"],
    SourceSystem.WARD: ["2024-03-05T09:00:00+07:00", "2024-03-05T10:00:00+07:00"],
    SourceSystem.DMS: ["2024-03-05T00:00:00+07:00", "2024-03-06T00:00:00+07:00"],
}


def _new_windows(settings: Settings, system: SourceSystem) -> list[tuple[str, str]]:
    """Windows of the dossier/document batches landed after the initial load, from their manifests."""
    entity = "documents" if system is SourceSystem.DMS else "dossiers"
    windows = []
    for manifest in sorted((settings.landing_dir / system.value / entity).glob("batch=*/_manifest.json")):
        window = json.loads(manifest.read_text())["window"]
        if not window["start"].startswith("2000"):
            windows.append((window["start"], window["end"]))
    return windows


@pytest.mark.timeout(900)
def test_backfill_of_two_intervals_equals_one_run_over_both(tmp_path):
    backfilled = replace(Settings(), data_dir=tmp_path / "backfilled", ports=PORTS, pii_key="test-key")
    single = replace(backfilled, data_dir=tmp_path / "single")
    env = {**airflow_env(backfilled), "CCHC_PII_KEY": "test-key"}
    log = tmp_path / "airflow.log"
    world = WorldConfig(dossiers=3000, start=date(2024, 3, 1), end=date(2024, 3, 8), seed=11)
    with running_simulators(world, ports=PORTS) as cluster:
        for system in SourceSystem:
            extract_system(system, backfilled, cluster.base_url(system), Window(datetime(2000, 1, 1), LOADED_UNTIL))
        shutil.copytree(backfilled.data_dir, single.data_dir)

        # the backfill: each extract DAG for two past intervals, through Airflow (exact windows)
        backfilled.data_dir.joinpath("airflow").mkdir(exist_ok=True)
        airflow(env, "db", "migrate", log=log)
        airflow(env, "pools", "set", "duckdb_writer", "1", "one writer", log=log)
        for system, logical_dates in BACKFILLED.items():
            for logical in logical_dates:
                airflow(env, "dags", "test", f"cchc_extract_{system.value}", logical, "--conf",
                        json.dumps({"exact_window": True}), log=log)

        # one run over both intervals: the union of the two windows the backfill read
        for system in SourceSystem:
            windows = _new_windows(backfilled, system)
            assert len(windows) == 2 and windows[0][1] == windows[1][0], (system, windows)  # contiguous
            union = Window(datetime.fromisoformat(windows[0][0].replace("T", " ")),
                           datetime.fromisoformat(windows[1][1].replace("T", " ")))
            extract_system(system, single, cluster.base_url(system), union)

    landed = sum(json.loads(m.read_text())["counts"]["written"]
                 for m in backfilled.landing_dir.glob("*/dossiers/batch=2024*/_manifest.json"))
    assert landed > 0  # the backfilled intervals really held changed dossiers

    airflow(env, "dags", "test", "cchc_warehouse", "2024-03-06T12:00:00+07:00", log=log)
    one_run = build_candidate(single)
    differences = compare_marts(one_run.candidate, published_path(backfilled).resolve(), ignore_lineage=True)
    assert differences == {}


def test_month_chunks_cut_a_long_window_at_month_boundaries():
    from pipeline.orchestration import month_chunks

    chunks = month_chunks(datetime(2023, 11, 15), datetime(2024, 2, 10, 6))
    assert chunks == [(datetime(2023, 11, 15), datetime(2023, 12, 1)), (datetime(2023, 12, 1), datetime(2024, 1, 1)),
                      (datetime(2024, 1, 1), datetime(2024, 2, 1)), (datetime(2024, 2, 1), datetime(2024, 2, 10, 6))]


@pytest.mark.timeout(600)
def test_one_run_with_a_window_lands_it_month_by_month_like_direct_extraction(tmp_path):
    """Backfill at the right grain: one run of the hourly DAG lands five weeks (not 840 hourly runs),
    and lands exactly what extracting those month windows directly lands."""
    through_airflow = replace(Settings(), data_dir=tmp_path / "airflow_run", ports=PORTS, pii_key="test-key")
    direct = replace(through_airflow, data_dir=tmp_path / "direct")
    env = {**airflow_env(through_airflow), "CCHC_PII_KEY": "test-key"}
    log = tmp_path / "airflow.log"
    world = WorldConfig(dossiers=1500, start=date(2024, 1, 20), end=date(2024, 3, 1), seed=5)
    window = {"window_start": "2024-01-25", "window_end": "2024-03-01"}
    with running_simulators(world, ports=PORTS) as cluster:
        through_airflow.data_dir.joinpath("airflow").mkdir(parents=True, exist_ok=True)
        airflow(env, "db", "migrate", log=log)
        airflow(env, "dags", "test", "cchc_extract_ward_one_stop", "2024-03-05T09:00:00+07:00", "--conf",
                json.dumps(window), log=log)
        for start, end in [(datetime(2024, 1, 25), datetime(2024, 2, 1)), (datetime(2024, 2, 1), datetime(2024, 3, 1))]:
            extract_system(SourceSystem.WARD, direct, cluster.base_url(SourceSystem.WARD), Window(start, end))
    batches = sorted(p.parent.name for p in through_airflow.landing_dir.glob("ward_one_stop/dossiers/batch=*/_manifest.json"))
    assert batches == ["batch=20240125T000000_20240201T000000", "batch=20240201T000000_20240301T000000"]

    def counts(settings):
        return {m.parent.parent.name + "/" + m.parent.name: json.loads(m.read_text())["counts"]["written"]
                for m in settings.landing_dir.glob("ward_one_stop/*/batch=*/_manifest.json")}

    assert counts(through_airflow) == counts(direct) and sum(counts(direct).values()) > 0
