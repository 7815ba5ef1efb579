"""A scenario through the whole pipeline: simulators → extractors → dbt, and its figures read back.

`build_scenario` serves a scenario's world over HTTP, lands every endpoint with the real extractors and
builds a warehouse candidate with dbt; `warehouse_mismatches` reads every figure the scenario gives from
the published report tables (rpt_*). Used by tests/dbt/test_scenarios.py and
`python -m simulators sweep --end-to-end N`. This module is glue on top of the extractors and the
warehouse (imported when called), so the simulators themselves keep not depending on them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from simulators.scenario import DOCUMENT_KEYS, FIELD_KEYS, ONLINE_LEVELS, Scenario

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
# scenario documents figure (DocumentFigures field) → rpt_document_period expression
DOCUMENT_COLUMNS = {
    "outgoing_electronic": "outgoing_electronic", "outgoing_paper": "outgoing_paper",
    "signed_both": "signed_personal_and_organisation",
    "signed_personal_only": "signed_personal - signed_personal_and_organisation",
    "signed_none": "outgoing_electronic - signed_personal", "incoming_electronic": "incoming_electronic",
    "incoming_paper": "incoming_paper", "signed_by_unit_head": "signed_by_unit_head",
}
# scenario offering figure → rpt_procedure_offering column
OFFERING_COLUMNS = {"full_online": "full_online", "partial_online": "partial_online", "info_only": "info_only",
                    "online": "online_total"}
assert set(OFFERING_COLUMNS) == {*ONLINE_LEVELS.values(), "online"}


def build_scenario(scenario: Scenario, data_dir: Path, dossiers: int = 3000):
    """Serve, extract and build one scenario's world under data_dir; the warehouse.build result."""
    from cchc.settings import Settings, SourceSystem
    from extractors.run import extract_system
    from simulators.testing import running_simulators
    from simulators.world import WorldConfig
    from warehouse.build import build_candidate

    settings = replace(Settings(), data_dir=data_dir, pii_key="test-key")
    with running_simulators(WorldConfig(scenario=scenario, dossiers=dossiers)) as cluster:
        for system in SourceSystem:
            extract_system(system, settings, cluster.base_url(system))
    return build_candidate(settings, as_of_date="2030-01-01")


def warehouse_mismatches(candidate: Path, scenario: Scenario) -> list[str]:
    """Every figure the scenario gives, read back from the report tables: 'name key: got != given' per miss."""
    import duckdb

    con = duckdb.connect(str(candidate), read_only=True)
    try:
        return _mismatches(con, scenario)
    finally:
        con.close()


def _mismatches(con, scenario: Scenario) -> list[str]:
    period = [scenario.period_type, scenario.period_from, scenario.period_to]
    where = "period_type = ? and period_start = ? and period_end = ?"
    scope = {"district": "unit_code = ? and handling_level = 'district'",
             "wards": ("unit_code" if scenario.unit_level == "ward" else "parent_unit_code")
             + " = ? and handling_level = 'ward'"}
    # (label, table, scope, extra parameters, figures, names → column, key names)
    groups = [(f"one_stop.{level}", "rpt_dossier_period", scope[level], [], figures, COLUMNS, FIELD_KEYS)
              for level, figures in (("district", scenario.district), ("wards", scenario.ward_level)) if figures]
    groups += [(f"procedures[{p.code}]", "rpt_procedure_period", scope[p.level] + " and procedure_code = ?",
                [p.code], p.figures, COLUMNS, FIELD_KEYS) for p in scenario.procedures]
    groups += [(f"offering.{level}", "rpt_procedure_offering", scope[level], [], figures, OFFERING_COLUMNS,
                {k: k for k in OFFERING_COLUMNS})
               for level, figures in (("district", scenario.offering_district), ("wards", scenario.offering_wards))
               if figures]
    if scenario.documents is not None:
        groups.append(("", "rpt_document_period", "(unit_code = ? or parent_unit_code = ?)", [scenario.unit_code],
                       scenario.documents, DOCUMENT_COLUMNS, DOCUMENT_KEYS))
    wrong = []
    for label, table, scoped, extra, figures, columns, keys in groups:
        for name, expected in vars(figures).items():
            if expected is None:
                continue
            got = con.execute(f"select coalesce(sum({columns[name]}), 0) from marts.{table} where {scoped} and {where}",
                              [scenario.unit_code, *extra, *period]).fetchone()[0]
            if got != expected:
                wrong.append(f"{scenario.name} {label + '.' if label else ''}{keys[name]}: {got} != {expected}")
    for key, column, expected in (("certificates.personal", "certificates_issued_personal",
                                   scenario.certificates_personal),
                                  ("certificates.organisation", "certificates_issued_organisation",
                                   scenario.certificates_organisation)):
        if expected is None:
            continue
        got = con.execute(f"select coalesce(sum({column}), 0) from marts.rpt_document_period "
                          f"where (unit_code = ? or parent_unit_code = ?) and {where}",
                          [scenario.unit_code, scenario.unit_code, *period]).fetchone()[0]
        if got != expected:
            wrong.append(f"{scenario.name} {key}: {got} != {expected}")
    return wrong
