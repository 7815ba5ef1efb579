"""The gate is evaluated once: `gate()` returns a GatedAudit, and publication takes nothing else."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cchc.settings import Settings
from expectations.framework import AuditResult, CheckResult, Severity
from warehouse.publish import GatedAudit, GateFailed, gate, publish

PASSED = AuditResult([CheckResult("keys", Severity.FAIL, "marts.fct_dossier", "unique", "dossier_id", True)], 0.1)
FAILED = AuditResult([CheckResult("keys", Severity.FAIL, "marts.fct_dossier", "unique", "dossier_id", False, 3,
                                  ["D1", "D2", "D3"])], 0.1)


def test_publish_refuses_an_audit_that_did_not_pass_the_gate(tmp_path):
    settings = replace(Settings(), data_dir=tmp_path)
    with pytest.raises(TypeError, match="GatedAudit"):
        publish(settings, tmp_path / "candidate.duckdb", PASSED)
    assert not (tmp_path / "releases").exists()


def test_a_failed_audit_is_blocked_and_recorded(tmp_path):
    settings = replace(Settings(), data_dir=tmp_path)
    with pytest.raises(GateFailed) as err:
        gate(settings, FAILED, "run-1")
    assert str(err.value).splitlines()[0].startswith("blocked by keys: keys [fail] marts.fct_dossier.dossier_id")
    assert (tmp_path / "audits" / "run-1.html").exists()


def test_the_gated_audit_survives_the_hand_off_and_a_failed_one_cannot_be_smuggled(tmp_path):
    settings = replace(Settings(), data_dir=tmp_path)
    gated = gate(settings, PASSED, "run-2")
    loaded = GatedAudit.load(gated.save(tmp_path / "audits" / "run-2.json"))
    assert loaded == gated and loaded.report.exists()
    forged = GatedAudit(FAILED, gated.report).save(tmp_path / "audits" / "forged.json")
    with pytest.raises(GateFailed, match="did not pass"):
        GatedAudit.load(forged)
