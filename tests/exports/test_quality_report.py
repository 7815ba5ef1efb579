"""The quality report page (warehouse/quality_report.py), rendered in headless Chromium."""

from __future__ import annotations

import io

import duckdb
import pytest
from PIL import Image

from bi.browser import chromium_path, page
from expectations.framework import AuditResult, CheckResult, Severity
from expectations.store import history as stored_history
from expectations.store import record_audit
from warehouse import quality_report
from warehouse.publish import current_release

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="no Chromium (make browser installs Debian's)")
RED = (0xC5, 0x22, 0x1F)


def _failing_audit() -> AuditResult:
    return AuditResult([
        CheckResult("rpt_dossier_period_identity_and_rates", Severity.FAIL, "marts.rpt_dossier_period",
                    "expect_column_values_to_be_between", "identity_gap", False, 12345,
                    ["0.2777777777777778", "00091|2024-01"]),
        CheckResult("source_freshness", Severity.WARN, "marts.fct_dossier", "expect_column_values_to_be_between",
                    "days_since_last_change", False, 2, ["914"]),
        CheckResult("fct_dossier_rows", Severity.FAIL, "marts.fct_dossier", "expect_column_values_to_not_be_null",
                    "dossier_id", True, 0, []),
    ], seconds=12.345)


def test_failed_audit_reads_summary_first_with_formatted_numbers(tmp_path):
    earlier = AuditResult([CheckResult("fct_dossier_rows", Severity.FAIL, "marts.fct_dossier",
                                       "expect_column_values_to_not_be_null", "dossier_id", True, 0, [])], 1.0)
    record_audit(tmp_path, earlier.results, outcome="published", audit_id="20260101T000000Z")  # the store's history
    report = quality_report.write(tmp_path / "20260102T000000Z.html", _failing_audit(), "CCHC audit test")
    with page(width=1024, height=800) as pg:
        pg.goto(report.as_uri())
        shot = Image.open(io.BytesIO(pg.screenshot(full_page=True))).convert("RGB")
        (tmp_path / "quality_report.png").write_bytes(pg.screenshot(full_page=True))
        verdict = pg.locator("#verdict")
        box = verdict.bounding_box()
        problems_top = pg.locator("table.problems").bounding_box()["y"]
        text = pg.inner_text("body")
        overflow = pg.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        history = pg.locator("table.history tr").count() - 1
        verdict_text = verdict.inner_text()
    assert box["y"] < 120 and box["y"] < problems_top  # the verdict is the first thing on the page
    assert shot.getpixel((int(box["x"]) + 3, int(box["y"] + box["height"] / 2))) == RED  # red stripe: failed
    assert "KHÔNG CÔNG BỐ" in verdict_text and "NOT PUBLISHED" in verdict_text
    assert "1 of 3 checks passed, 1 warned, 1 failed" in verdict_text
    assert "12.345" in text and "0.2778" in text and "0.2777777777777778" not in text
    assert "Giá trị trong khoảng cho phép" in text and "Value within the allowed range" in text
    assert not overflow  # no column cut off at a laptop's width
    assert history == 2


def test_published_release_report_has_history_and_matches_the_checks(release):
    settings, published = release
    release_id = current_release(settings)
    report = settings.data_dir / "releases" / release_id / "quality_report.html"
    con = duckdb.connect(str(published), read_only=True)
    checks, warned, failed = con.execute(
        "select count(*), count(*) filter (not success and severity = 'warn'), "
        "count(*) filter (not success and severity = 'fail') from marts.quality_check_result").fetchone()
    con.close()
    audits = stored_history(settings.data_dir / "audits")  # the audit store is the report's one source of history
    assert [h["outcome"] for h in audits] == ["published", "published"] and audits[-1]["checks"] == checks
    assert not list((settings.data_dir / "audits").glob("*.summary.json"))
    with page() as pg:
        pg.goto(report.as_uri())
        state = pg.get_attribute("body", "data-verdict")
        verdict = pg.inner_text("#verdict")
        rows = pg.locator("table.checks tr").count() - 1
        history = pg.locator("table.history tr").count() - 1
    assert failed == 0 and state == ("warn" if warned else "pass")
    assert f"{checks - warned} of {checks} checks passed, {warned} warned, 0 failed" in verdict
    assert rows == checks and history == 2
