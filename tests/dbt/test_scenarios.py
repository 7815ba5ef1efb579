"""Simulators → extractors → dbt: the published report tables reproduce each shipped scenario."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pytest
import yaml

from cchc.settings import Settings, SourceSystem
from extractors.run import extract_system
from simulators.scenario import SCENARIO_DIR, load_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from tests.simulators.report_count import flatten
from warehouse.build import build_candidate

# scenario key → rpt_dossier_period column
COLUMNS = {
    "carried_over": "carried_over", "received": "received_new", "online": "received_online",
    "postal": "received_postal", "resolved.total": "resolved_total",
    "resolved.early_or_on_time": "resolved_early + resolved_on_time", "resolved.early": "resolved_early",
    "resolved.on_time": "resolved_on_time", "resolved.late": "resolved_late",
    "in_progress.within_deadline": "in_progress_within_deadline", "in_progress.overdue": "in_progress_overdue",
    "postal_return.requested": "postal_return_requested", "postal_return.delivered": "postal_returned",
    "apologies": "apologies_issued", "ratings.total": "ratings_total", "ratings.satisfied": "ratings_satisfied",
}


def period_type(start: date, end: date) -> str:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return {1: "month", 3: "quarter", 6: "half", 12: "year"}[months]


@pytest.fixture(scope="module", params=["tay-ho-2024q1", "hoai-duc-2018"])
def built(request, tmp_path_factory):
    path = SCENARIO_DIR / f"{request.param}.yaml"
    settings = replace(Settings(), data_dir=tmp_path_factory.mktemp(request.param), pii_key="test-key")
    with running_simulators(WorldConfig(scenario=load_scenario(path), dossiers=3000)) as cluster:
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    result = build_candidate(settings, as_of_date="2030-01-01")
    return yaml.safe_load(path.read_text()), result


def test_report_tables_reproduce_the_scenario(built):
    raw, result = built
    start, end = date.fromisoformat(str(raw["period"]["from"])), date.fromisoformat(str(raw["period"]["to"]))
    unit = raw["unit"]["code"]
    con = duckdb.connect(str(result.candidate), read_only=True)
    where = "period_type = ? and period_start = ? and period_end = ?"
    for level, figures in raw["one_stop"].items():
        scope = "unit_code = ? and handling_level = 'district'" if level == "district" else \
            "parent_unit_code = ? and handling_level = 'ward'"
        for key, expected in flatten(figures).items():
            got = con.execute(f"select coalesce(sum({COLUMNS[key]}), 0) from marts.rpt_dossier_period "
                              f"where {scope} and {where}", [unit, period_type(start, end), start, end]).fetchone()[0]
            assert got == expected, f"{raw['name']} {level} {key}: {got} != {expected}"
    for kind, expected in (raw.get("certificates") or {}).items():
        got = con.execute(f"select sum(certificates_issued_{kind}) from marts.rpt_document_period "
                          f"where (unit_code = ? or parent_unit_code = ?) and {where}",
                          [unit, unit, period_type(start, end), start, end]).fetchone()[0]
        assert got == expected, f"certificates {kind}"


def test_every_dbt_test_and_unit_test_ran_and_passed(built):
    _, result = built
    statuses = {r["status"] for r in result.results}
    assert statuses <= {"success", "pass", "no-op"}  # no-op: exposures
    assert any(r["unique_id"].startswith("unit_test.") for r in result.results)
    assert any("ii06a_identity" in r["unique_id"] for r in result.results)


def test_docs_generate_lists_every_public_mart(built, tmp_path):
    import json

    from warehouse.build import run_dbt

    raw, result = built
    settings = replace(Settings(), data_dir=result.candidate.parent.parent)
    proc = run_dbt(settings, "docs", "generate", candidate=result.candidate)
    assert proc.returncode == 0, proc.stdout[-2000:]
    catalog = json.loads((settings.data_dir / "warehouse" / "dbt_target" / "catalog.json").read_text())
    marts = {node["metadata"]["name"] for node in catalog["nodes"].values() if node["metadata"]["schema"] == "marts"}
    assert {"fct_dossier", "fct_dossier_event", "rpt_dossier_period", "rpt_procedure_period", "rpt_document_period",
            "dim_admin_unit", "dim_date", "dim_procedure", "fct_document", "fct_document_signature",
            "dim_certificate"} <= marts
