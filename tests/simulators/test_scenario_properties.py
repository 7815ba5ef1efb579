"""Property tests: random consistent scenarios reproduce exactly; broken ones are rejected naming the key.

Counted from the served records by simulators.report_count (independent of the generator). The
end-to-end property (through extractors and dbt) is in tests/dbt/test_scenarios.py; many more draws:
`python -m simulators sweep`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from simulators import sweep
from simulators.scenario import ScenarioError, parse_scenario
from simulators.world import check_scenario

FAST = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@FAST
@given(sweep.consistent())
def test_consistent_scenarios_reproduce(raw):
    outcome, detail = sweep.attempt(raw)
    assert outcome == "reproduced", detail


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(sweep.inconsistent())
def test_inconsistent_scenarios_are_rejected_naming_the_key(case):
    raw, key = case
    with pytest.raises(ScenarioError) as error:
        check_scenario(parse_scenario(raw))
    assert key in str(error.value)


def test_overdue_in_a_period_shorter_than_every_procedure_needs_carried_over():
    raw = {"name": "short", "seed": 1, "province": {"code": "01"}, "unit": {"code": "003"},
           "period": {"from": "2024-02-01", "to": "2024-02-29"},
           "one_stop": {"district": {"carried_over": 0, "received": 5, "resolved": {"total": 0},
                                     "in_progress": {"within_deadline": 0, "overdue": 5}}},
           "procedures": [{"code": "9.777777", "name": "Thủ tục dài", "field": "Đất đai", "level": "district",
                           "duration": 45, "carried_over": 0, "received": 5, "resolved": {"total": 0},
                           "in_progress": {"within_deadline": 0, "overdue": 5}}]}
    with pytest.raises(ScenarioError, match=r"carried_over = 0 is too small: in_progress\.overdue = 5 \(an overdue "
                                            r"dossier received in the period needs a due date before the period end"):
        check_scenario(parse_scenario(raw))
    raw["one_stop"]["district"]["carried_over"] = raw["procedures"][0]["carried_over"] = 5
    raw["one_stop"]["district"]["received"] = raw["procedures"][0]["received"] = 0
    groups = check_scenario(parse_scenario(raw))
    assert [(label.split()[-1], list(bucket)) for label, _, bucket in groups] == [("procedures[9.777777]", [14] * 5)]


def test_a_procedure_missing_from_the_catalogue_needs_its_name_and_field():
    raw = {"name": "p", "seed": 1, "province": {"code": "01"}, "unit": {"code": "003"},
           "period": {"from": "2024-01-01", "to": "2024-03-31"},
           "procedures": [{"code": "9.123456", "level": "district", "received": 3}]}
    with pytest.raises(ScenarioError, match=r"procedures\[9\.123456\]: code not in the catalogue, so name and field"):
        check_scenario(parse_scenario(raw))


def _documents_and_offering(**extra) -> dict:
    return {"name": "d", "seed": 1, "province": {"code": "01"}, "unit": {"code": "003"},
            "period": {"from": "2024-01-01", "to": "2024-03-31"}, "one_stop": {"district": {"received": 10}},
            **extra}


def test_more_documents_signed_by_the_unit_head_than_personally_signed_is_rejected():
    raw = _documents_and_offering(documents={"outgoing_electronic": 10, "signed": {
        "personal_and_organisation": 6, "personal_only": 1, "none": 3, "by_unit_head": 8}})
    with pytest.raises(ScenarioError, match=r"documents\.signed\.by_unit_head and documents\.signed\.personal_and_"
                                            r"organisation \+ documents\.signed\.personal_only contradict each other: "
                                            r"8 documents signed by the unit's head, but only 7"):
        parse_scenario(raw)


def test_an_online_offering_total_below_its_part_is_rejected_and_unknown_levels_are_named():
    with pytest.raises(ScenarioError, match=r"offering\.district: online, full_online, partial_online contradict"):
        parse_scenario(_documents_and_offering(offering={"district": {"online": 5, "full_online": 7}}))
    with pytest.raises(ScenarioError, match=r"offering\.district: unknown key\(s\) \['level_4'\]"):
        parse_scenario(_documents_and_offering(offering={"district": {"level_4": 7}}))
    with pytest.raises(ScenarioError, match=r"unit\.level is ward, so .*offering\.district"):
        parse_scenario(_documents_and_offering(unit={"code": "00097", "level": "ward"}, one_stop={},
                                               offering={"district": {"online": 5}}))


def test_offering_beyond_the_catalogue_is_met_with_added_procedures():
    raw = _documents_and_offering(offering={"district": {"online": 137, "full_online": 80, "info_only": 6}},
                                  documents={"outgoing_electronic": 20, "incoming_electronic": 9, "incoming_paper": 2,
                                             "signed": {"by_unit_head": 11}})
    outcome, detail = sweep.attempt(raw)
    assert outcome == "reproduced", detail
