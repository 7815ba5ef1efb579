"""Simulators → extractors → dbt: the published report tables reproduce each shipped scenario."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from cchc.settings import Settings, SourceSystem
from extractors.run import extract_system
from simulators import sweep
from simulators.scenario import FIELD_KEYS, SCENARIO_DIR, Scenario, load_scenario, parse_scenario
from simulators.testing import running_simulators
from simulators.world import WorldConfig
from warehouse.build import build_candidate

# scenario figure (simulators.scenario.Figures field) → rpt_dossier_period / rpt_procedure_period column
COLUMNS = {
    "carried_over": "carried_over", "received": "received_new", "online": "received_online",
    "postal": "received_postal", "resolved_total": "resolved_total",
    "early_or_on_time": "resolved_early + resolved_on_time", "early": "resolved_early",
    "on_time": "resolved_on_time", "late": "resolved_late",
    "within_deadline": "in_progress_within_deadline", "overdue": "in_progress_overdue",
    "postal_requested": "postal_return_requested", "postal_delivered": "postal_returned",
    "apologies": "apologies_issued", "ratings_total": "ratings_total", "ratings_satisfied": "ratings_satisfied",
    "received_total": "received_total", "results_online": "results_returned_online",
}
SHIPPED = ["tay-ho-2024q1", "hoai-duc-2018", "city-centre-9m-2024", "ba-dinh-2025q3"]


def build_scenario(scenario: Scenario, data_dir, dossiers: int = 3000):
    settings = replace(Settings(), data_dir=data_dir, pii_key="test-key")
    with running_simulators(WorldConfig(scenario=scenario, dossiers=dossiers)) as cluster:
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    return build_candidate(settings, as_of_date="2030-01-01")


def warehouse_mismatches(candidate, scenario: Scenario) -> list[str]:
    """Every figure the scenario gives, read back from the published report tables."""
    con = duckdb.connect(str(candidate), read_only=True)
    period = [scenario.period_type, scenario.period_from, scenario.period_to]
    where = "period_type = ? and period_start = ? and period_end = ?"
    scope = {"district": "unit_code = ? and handling_level = 'district'",
             "wards": ("unit_code" if scenario.unit_level == "ward" else "parent_unit_code")
             + " = ? and handling_level = 'ward'"}
    groups = [(f"one_stop.{level}", "rpt_dossier_period", scope[level], [], figures)
              for level, figures in (("district", scenario.district), ("wards", scenario.ward_level)) if figures]
    groups += [(f"procedures[{p.code}]", "rpt_procedure_period", scope[p.level] + " and procedure_code = ?", [p.code],
                p.figures) for p in scenario.procedures]
    wrong = []
    for label, table, scoped, extra, figures in groups:
        for name, expected in vars(figures).items():
            if expected is None:
                continue
            got = con.execute(f"select coalesce(sum({COLUMNS[name]}), 0) from marts.{table} where {scoped} and {where}",
                              [scenario.unit_code, *extra, *period]).fetchone()[0]
            if got != expected:
                wrong.append(f"{scenario.name} {label}.{FIELD_KEYS[name]}: {got} != {expected}")
    d = scenario.documents
    document_keys = [] if d is None else [
        ("documents.outgoing_electronic", "outgoing_electronic", d.outgoing_electronic),
        ("documents.outgoing_paper", "outgoing_paper", d.outgoing_paper),
        ("documents.signed.personal_and_organisation", "signed_personal_and_organisation", d.signed_both),
        ("documents.signed.personal_only", "signed_personal - signed_personal_and_organisation",
         d.signed_personal_only),
        ("documents.signed.none", "outgoing_electronic - signed_personal", d.signed_none)]
    for key, column, expected in [*document_keys,
                                  ("certificates.personal", "certificates_issued_personal",
                                   scenario.certificates_personal),
                                  ("certificates.organisation", "certificates_issued_organisation",
                                   scenario.certificates_organisation)]:
        if expected is None:
            continue
        got = con.execute(f"select coalesce(sum({column}), 0) from marts.rpt_document_period "
                          f"where (unit_code = ? or parent_unit_code = ?) and {where}",
                          [scenario.unit_code, scenario.unit_code, *period]).fetchone()[0]
        if got != expected:
            wrong.append(f"{scenario.name} {key}: {got} != {expected}")
    con.close()
    return wrong


@pytest.fixture(scope="module", params=SHIPPED)
def built(request, tmp_path_factory):
    scenario = load_scenario(SCENARIO_DIR / f"{request.param}.yaml")
    return scenario, build_scenario(scenario, tmp_path_factory.mktemp(request.param))


def test_report_tables_reproduce_the_scenario(built):
    scenario, result = built
    assert warehouse_mismatches(result.candidate, scenario) == []


@hypothesis_settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(raw=sweep.consistent())
def test_a_random_consistent_scenario_reproduces_end_to_end(raw, tmp_path_factory):
    # background on: the extractors land nothing for a system that serves no record, and dbt then stops
    scenario = parse_scenario(raw | {"background": True})
    result = build_scenario(scenario, tmp_path_factory.mktemp("random"), dossiers=500)
    assert {r["status"] for r in result.results} <= {"success", "pass", "no-op"}
    assert warehouse_mismatches(result.candidate, scenario) == []


def test_every_dbt_test_and_unit_test_ran_and_passed(built):
    _, result = built
    statuses = {r["status"] for r in result.results}
    assert statuses <= {"success", "pass", "no-op"}  # no-op: exposures
    assert any(r["unique_id"].startswith("unit_test.") for r in result.results)
    assert any("ii06a_identity" in r["unique_id"] for r in result.results)


def test_docs_generate_lists_every_public_mart(built, tmp_path):
    import json

    from warehouse.build import run_dbt

    _, result = built
    settings = replace(Settings(), data_dir=result.candidate.parent.parent)
    proc = run_dbt(settings, "docs", "generate", candidate=result.candidate)
    assert proc.returncode == 0, proc.stdout[-2000:]
    catalog = json.loads((settings.data_dir / "warehouse" / "dbt_target" / "catalog.json").read_text())
    marts = {node["metadata"]["name"] for node in catalog["nodes"].values() if node["metadata"]["schema"] == "marts"}
    assert {"fct_dossier", "fct_dossier_event", "rpt_dossier_period", "rpt_procedure_period", "rpt_document_period",
            "dim_admin_unit", "dim_date", "dim_procedure", "fct_document", "fct_document_signature",
            "dim_certificate"} <= marts
