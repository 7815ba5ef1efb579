"""docs/gate.md's table names every check Great Expectations owns, with its severity, and nothing else."""

from __future__ import annotations

import re

from cchc.settings import REPO_ROOT
from expectations.framework import Severity
from expectations.suites import SUITES

RUNNER_CHECKS = {"landing_integrity": Severity.FAIL, "landing_awaiting_reextraction": Severity.FAIL,
                 "open_quarantine": Severity.WARN}


def table_rows() -> list[list[str]]:
    lines = (REPO_ROOT / "docs" / "gate.md").read_text().splitlines()
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if line.startswith("| ")]
    assert rows[0] == ["check", "kind", "owner", "severity"]
    return rows[1:]


def test_the_gx_rows_are_the_suites_and_runner_checks_with_their_severity():
    documented = {re.match(r"`(\w+)`", check).group(1): severity
                  for check, _, owner, severity in table_rows() if owner.startswith("GX")}
    assert documented == {name: str(sev) for name, sev in {**{s.name: s.severity for s in SUITES},
                                                           **RUNNER_CHECKS}.items()}


def test_every_row_names_an_owner_and_a_severity():
    for check, kind, owner, severity in table_rows():
        assert kind and owner.split()[0] in {"GX", "dbt"}, check
        assert set(severity.split(" / ")) <= {"fail", "warn", "error"}, check
