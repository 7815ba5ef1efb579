"""`make bench` at a tiny scale: every stage runs, bench.json has the documented shape, and the
incremental run equals a full rebuild (the stage itself asserts it; a difference fails the run)."""

from __future__ import annotations

import json

import duckdb
import pytest

from bench.__main__ import main, parse_scale
from bench.landing import REPLICATED_KEYS


def test_parse_scale():
    assert parse_scale("1m") == 1_000_000
    assert parse_scale("10M") == 10_000_000
    assert parse_scale("20k") == 20_000
    assert parse_scale("1500") == 1500


def test_ports_from_env(monkeypatch):
    from bench.stages import ports_from_env
    from cchc.settings import SimulatorPorts

    own = SimulatorPorts(district=1, ward=2, dms=3)
    monkeypatch.delenv("CCHC_SIM_WARD_PORT", raising=False)
    monkeypatch.delenv("CCHC_SIM_DMS_PORT", raising=False)
    monkeypatch.setenv("CCHC_SIM_DISTRICT_PORT", "19001")
    assert ports_from_env(own) == SimulatorPorts(district=19001, ward=2, dms=3)


@pytest.mark.timeout(1200)  # six stages, each a process (dbt builds twice in the last one); slow on a loaded machine
def test_bench_tiny_scale_with_copies(tmp_path):
    report = main(["--scale", "6k", "--sample", "3k", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "bench.json").read_text())
    assert written == report
    assert written["copies"] == 2 and written["scale"] == 2 * written["sample"] > 0
    for stage in ("extract", "build", "reference", "gate", "publish", "incremental"):
        assert written["stages"][stage]["seconds"] > 0
        assert written["stages"][stage]["peak_rss_bytes"] > 10 * 2**20
    assert written["stages"]["extract"]["records_per_s"] > 0
    assert written["stages"]["build"]["fct_dossier_rows"] == written["scale"]
    assert written["stages"]["gate"]["failed"] == 0
    reference = written["stages"]["reference"]  # the stage itself fails when a compared row differs
    assert reference["identical_to_dbt"] is True and reference["rows"]["fct_dossier"] == written["scale"]
    assert reference["build_ratio"] > 0 and reference["models_ratio"] > 0
    assert "| reference |" in (tmp_path / "bench.md").read_text()
    assert written["stages"]["incremental"]["identical_to_full_rebuild"] is True
    by_mart = written["stages"]["incremental"]["identical_by_mart"]
    assert {"fct_dossier", "rpt_dossier_period", "rpt_procedure_period", "score_unit"} <= set(by_mart)
    assert all(same is True for same in by_mart.values())
    assert 0 < written["stages"]["incremental"]["dossiers_changed"] < written["scale"] * 0.03
    assert "| incremental |" in (tmp_path / "bench.md").read_text()

    # every copy is a distinct record: keys are unique across the scaled landing zone
    landing = tmp_path / "data" / "landing"
    con = duckdb.connect()
    for (system, entity), keys in REPLICATED_KEYS.items():
        if entity != "dossiers":
            continue
        rows, distinct = con.execute(
            f"select count(*), count(distinct \"{keys[0]}\") from read_parquet('{landing}/{system}/{entity}/"
            f"batch=2000*/part-*.parquet')").fetchone()
        assert rows == distinct > 0
