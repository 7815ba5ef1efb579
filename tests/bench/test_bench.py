"""`make bench` at a tiny scale: every stage runs, bench.json has the documented shape, and the
incremental run equals a full rebuild (the stage itself asserts it; a difference fails the run)."""

from __future__ import annotations

import json

import duckdb
import pytest

from bench import table
from bench.__main__ import LANDING_INFO, main, memory_limit_for, parse_scale, scale_label
from bench.landing import NEW_KEY_SUFFIX, NEXT_DAY_BATCH, ORDINARY_DAY, REPLICATED_KEYS, land_next_day
from cchc.landing_layout import MANIFEST, batch_parts, list_batches
from extractors.landing import verify_landing
from extractors.sources import declared_landing


def test_parse_scale():
    assert parse_scale("1m") == 1_000_000
    assert parse_scale("10M") == 10_000_000
    assert parse_scale("20k") == 20_000
    assert parse_scale("1500") == 1500


def test_scale_label_and_memory_limits():
    assert [scale_label(n) for n in (20_000, 1_000_000, 10_000_000, 30_000_000, 6_000, 1500, 1234)] == \
        ["20k", "1m", "10m", "30m", "6k", "1.5k", "1234"]
    # the goals of issue 19: 10M ≤ 6 GiB, 30M ≤ 12 GiB peak RSS; DuckDB's limit leaves room for the process
    assert memory_limit_for(1_000_000) == memory_limit_for(10_000_000) == "4GB"
    assert memory_limit_for(30_000_000) == "10GB"


def test_ports_from_env(monkeypatch):
    from bench.stages import ports_from_env
    from cchc.settings import SimulatorPorts

    own = SimulatorPorts(district=1, ward=2, dms=3)
    monkeypatch.delenv("CCHC_SIM_WARD_PORT", raising=False)
    monkeypatch.delenv("CCHC_SIM_DMS_PORT", raising=False)
    monkeypatch.setenv("CCHC_SIM_DISTRICT_PORT", "19001")
    assert ports_from_env(own) == SimulatorPorts(district=19001, ward=2, dms=3)


@pytest.mark.timeout(1800)  # eight stages, each a process, then two again
def test_bench_tiny_scale_with_copies(tmp_path):
    report = main(["--scale", "6k", "--sample", "3k", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "bench.json").read_text())
    assert written == report
    assert written["copies"] == 2 and written["scale"] == 2 * written["sample"] > 0
    for stage in ("extract", "build", "reference", "gate", "publish", "incremental", "ordinary_day", "rebuild"):
        assert written["stages"][stage]["seconds"] > 0
        assert written["stages"][stage]["peak_rss_bytes"] > 10 * 2**20
    assert written["stages"]["extract"]["records_per_s"] > 0
    assert written["stages"]["build"]["fct_dossier_rows"] == written["scale"]
    assert written["stages"]["gate"]["failed"] == 0
    reference = written["stages"]["reference"]  # the stage itself fails when a compared row differs
    assert reference["identical_to_dbt"] is True and reference["rows"]["fct_dossier"] == written["scale"]
    assert reference["build_ratio"] > 0 and reference["models_ratio"] > 0
    assert "| reference |" in (tmp_path / "bench.md").read_text()
    assert written["stages"]["rebuild"]["identical_to_full_rebuild"] is True
    by_mart = written["stages"]["rebuild"]["identical_by_mart"]
    assert {"fct_dossier", "rpt_dossier_period", "rpt_procedure_period", "score_unit"} <= set(by_mart)
    assert all(same is True for same in by_mart.values())
    assert 0 < written["stages"]["incremental"]["dossiers_changed"] < written["scale"] * 0.03
    assert "| incremental |" in (tmp_path / "bench.md").read_text()
    # 1 July opens a month: the II.06a counts are counted again; 2 July is an ordinary day: the delta
    incremental, ordinary = written["stages"]["incremental"], written["stages"]["ordinary_day"]
    assert (incremental["day"], incremental["ii06a_counts"]) == ("2024-07-01", "recount")
    assert (ordinary["day"], ordinary["ii06a_counts"]) == ("2024-07-02", "delta")
    assert 0 < ordinary["dossiers_changed"] < written["scale"] * 0.03
    assert written["stages"]["rebuild"]["as_of"] == ORDINARY_DAY.as_of == "2024-07-03"
    assert not (tmp_path / "data" / "warehouse" / "full_rebuild.duckdb").exists()  # removed once compared

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

    # the scaled landing zone as the extractors write it: one part per replicated batch, manifests exact
    assert verify_landing(landing, declared_landing()) == []
    sample_batches = [b for (system, entity) in REPLICATED_KEYS for b in list_batches(landing, system, entity)
                      if b.name != f"batch={NEXT_DAY_BATCH}" and batch_parts(b)]
    assert sample_batches and all(len(batch_parts(b)) == 1 for b in sample_batches)
    for batch in sample_batches:
        manifest = json.loads((batch / MANIFEST).read_text())
        (part,) = manifest["parts"]
        assert manifest["rows"][part] == manifest["counts"]["written"] == con.execute(
            f"select count(*) from '{batch / part}'").fetchall()[0][0]

    # the next day: later extraction, changed dossiers with their children, new dossiers not received yet
    day = landing / "ward_one_stop" / "dossiers" / f"batch={NEXT_DAY_BATCH}"
    manifest = json.loads((day / MANIFEST).read_text())
    sample = json.loads((list_batches(landing, "ward_one_stop", "dossiers")[0] / MANIFEST).read_text())
    assert manifest["extracted_at"] > sample["extracted_at"]
    assert set(manifest["children"]) == {"supplement_requests", "apology_letters"}
    new, not_received = con.execute(
        f"select count(*), count(*) filter (where status = 'new' and received_at is null and due_at is null) "
        f"from '{day}/part-*.parquet' where id like '%{NEW_KEY_SUFFIX}'").fetchall()[0]
    assert new == not_received > 0
    landed_day = _next_day_rows(con, landing)
    assert land_next_day(landing) == written["stages"]["incremental"]["dossiers_changed"]  # the day again: the same
    assert _next_day_rows(con, landing) == landed_day and len(landed_day) == 7

    # in parts: build and reference again on that landing zone (hard-linked, the next day dropped)
    again = main(["--scale", "6k", "--out", str(tmp_path / "again"), "--stages", "build,reference",
                  "--reuse-landing", str(landing)])
    assert again["stages_run"] == ["build", "reference"]
    assert again["stages"]["extract"] == written["stages"]["extract"]  # the reused zone's extraction, kept
    assert set(again["stages"]) == {"extract", "build", "reference"}
    assert again["scale"] == written["scale"] and again["stages"]["build"]["fct_dossier_rows"] == written["scale"]
    assert (landing / "ward_one_stop" / "dossiers" / f"batch={NEXT_DAY_BATCH}").exists()  # the source untouched
    assert (landing / LANDING_INFO).exists()

    rendered = table.main([str(tmp_path), str(tmp_path / "again")])
    rows = [line for line in rendered.splitlines() if line.startswith("| 6k")]
    assert len(rows) == 2 and rows[0].endswith("| True |") and rows[1].endswith("| — |")
    assert all(" dossiers/s " in r for r in rows)


def _next_day_rows(con, landing) -> dict[str, list]:
    """Every row of the next day's batches but the extraction time, per part."""
    return {str(part.relative_to(landing)): con.execute(f"select * exclude (_extracted_at) from '{part}' "
                                                        "order by all").fetchall()
            for part in sorted(landing.glob(f"*/*/batch={NEXT_DAY_BATCH}/part-*.parquet"))}
