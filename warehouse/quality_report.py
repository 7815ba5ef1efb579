"""The quality report of an audit, as a page people read (Vietnamese and English).

Summary first, in words (published or not; how many checks passed, warned, failed), then the problems
with a sample of the failing values, then every check, then the history of earlier audits. GX's Data
Docs are not used: the audit validates Arrow batches in an ephemeral GX context (GX's SQL datasource does
not work on DuckDB), so there is no validations store to build them from; this page is self-contained
(one HTML file, no scripts from elsewhere) so it can be mailed or opened from a release folder.

The history is read from the audit store (`<data>/audits/store/`, expectations/store.py), the one home
of every published or blocked run — blocked at prepare, at the dbt build or at the gate.
"""

from __future__ import annotations

import html
import math
from datetime import UTC, datetime
from pathlib import Path

from expectations.framework import AuditResult, CheckResult, Severity
from expectations.store import history as stored_history

SAMPLE_SHOWN = 10
EXPECTATIONS = {  # GX expectation → (Vietnamese, English)
    "expect_column_values_to_not_be_null": ("Không được để trống", "Must not be empty"),
    "expect_column_values_to_be_in_set": ("Giá trị thuộc danh mục cho phép", "Value in the allowed set"),
    "expect_column_values_to_be_between": ("Giá trị trong khoảng cho phép", "Value within the allowed range"),
    "expect_column_pair_values_a_to_be_greater_than_b": ("Cột A lớn hơn cột B", "Column A greater than B"),
}
SEVERITY = {Severity.FAIL: ("Chặn công bố", "Blocks publication"), Severity.WARN: ("Cảnh báo", "Warning")}
STYLE = """
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:24px;color:#1b1b1b;max-width:1200px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} .en{color:#555;font-weight:normal}
.verdict{padding:14px 18px;border-radius:6px;font-size:16px;margin:14px 0}
.verdict.pass{background:#d9f2dd;border-left:8px solid #1e8e3e}
.verdict.warn{background:#fff4cc;border-left:8px solid #d89c00}
.verdict.fail{background:#fbdcdc;border-left:8px solid #c5221f}
.verdict b{font-size:19px}
.tiles{display:flex;gap:12px;margin:8px 0} .tile{border:1px solid #ddd;border-radius:6px;padding:8px 14px}
.tile .n{font-size:22px;font-weight:bold;display:block}
table{border-collapse:collapse;width:100%;table-layout:fixed} th,td{padding:4px 8px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top;overflow-wrap:anywhere} th{background:#f1f3f4;font-size:13px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums} tr.fail td{background:#fdecea}
tr.warn td{background:#fff8e1} tr.current td{font-weight:bold} .small{font-size:12px;color:#555} code{font-size:12px}
"""


def _n(value: int | float | None) -> str:
    """Numbers as people read them: thousands separated, ratios as short percentages."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.2f}"
    return f"{int(value):,}".replace(",", ".")  # Vietnamese thousands separator


def _sample_value(value: object) -> str:
    try:
        number = float(str(value))
    except ValueError:
        return str(value)
    if math.isfinite(number) and not number.is_integer():
        return f"{number:.4g}"
    return str(value)


def _bi(vi: str, en: str) -> str:
    return f"{html.escape(vi)} <span class='en'>/ {html.escape(en)}</span>"


def _expectation(name: str) -> str:
    vi, en = EXPECTATIONS.get(name, (name.removeprefix("expect_").replace("_", " "),) * 2)
    return f"{_bi(vi, en)}<br><code>{html.escape(name)}</code>"


def _verdict(audit: AuditResult) -> tuple[str, str]:
    total, failed, warned = len(audit.results), len(audit.failed), len(audit.warnings)
    passed = total - failed - warned
    counts = (f"{_n(passed)}/{_n(total)} kiểm tra đạt, {_n(warned)} cảnh báo, {_n(failed)} lỗi chặn công bố. "
              f"<span class='en'>{passed:,} of {total:,} checks passed, {warned:,} warned, {failed:,} failed.</span>")
    if failed:
        return "fail", ("<b>KHÔNG CÔNG BỐ — dữ liệu không đạt</b> <span class='en'>/ NOT PUBLISHED — the data "
                        f"failed the gate; the previous release stays published.</span><br>{counts}")
    if warned:
        return "warn", ("<b>ĐÃ CÔNG BỐ, có cảnh báo</b> <span class='en'>/ PUBLISHED with warnings: read them "
                        f"before using the affected figures.</span><br>{counts}")
    return "pass", f"<b>ĐÃ CÔNG BỐ — mọi kiểm tra đều đạt</b> <span class='en'>/ PUBLISHED — every check passed.</span><br>{counts}"


def _row(r: CheckResult) -> str:
    state = "ok" if r.success else r.severity.value
    result = _bi("Đạt", "pass") if r.success else (_bi("Lỗi", "error") if r.error else _bi("Không đạt", "fail"))
    sample = html.escape(r.error) if r.error else html.escape(", ".join(_sample_value(v) for v in r.sample[:5]))
    return (f"<tr class='{state}'><td>{html.escape(r.suite.replace('_', ' '))}</td><td>{_bi(*SEVERITY[r.severity])}</td>"
            f"<td>{html.escape(r.target)}</td><td>{html.escape(r.column or '')}</td><td>{_expectation(r.expectation)}</td>"
            f"<td>{result}</td><td class='num'>{_n(r.unexpected_count)}</td><td>{sample}</td></tr>")


def _problems(audit: AuditResult) -> str:
    bad = audit.failed + audit.warnings
    if not bad:
        return f"<h2>{_bi('Vấn đề', 'Problems')}</h2><p>{_bi('Không có.', 'None.')}</p>"
    items = []
    for r in bad:
        values = "".join(f"<li><code>{html.escape(_sample_value(v))}</code></li>" for v in r.sample[:SAMPLE_SHOWN])
        more = len(r.sample) - SAMPLE_SHOWN
        values += f"<li class='small'>… +{more}</li>" if more > 0 else ""
        items.append(
            f"<tr class='{r.severity.value}'><td>{_bi(*SEVERITY[r.severity])}</td><td><b>{html.escape(r.target)}"
            f"{'.' + html.escape(r.column) if r.column else ''}</b><br>{_expectation(r.expectation)}<br>"
            f"<span class='small'>{html.escape(r.suite)}</span></td><td class='num'>{_n(r.unexpected_count)}</td>"
            f"<td>{html.escape(r.error) if r.error else '<ul>' + values + '</ul>'}</td></tr>")
    return (f"<h2>{_bi('Vấn đề và mẫu dòng không đạt', 'Problems and a sample of failing rows')}</h2>"
            "<table class='problems'><col style='width:14%'><col style='width:38%'><col style='width:12%'><col>"
            f"<tr><th>{_bi('Mức độ', 'Severity')}</th><th>{_bi('Kiểm tra', 'Check')}</th>"
            f"<th class='num'>{_bi('Số dòng', 'Rows')}</th><th>{_bi('Mẫu giá trị', 'Sample values')}</th></tr>"
            + "".join(items) + "</table>")


def _outcome(h: dict) -> str:
    if h["failed"] == 0:
        return _bi("Đã công bố", "published")
    stage = {"prepare": ("vùng tiếp nhận hỏng", "landing damaged"), "build": ("dbt lỗi", "dbt failed")}.get(
        h.get("stage") or "", ("kiểm tra không đạt", "gate failed"))
    first = f"<br><span class='small'>{html.escape(h['first_failure'])}</span>" if h.get("first_failure") else ""
    return _bi(f"Bị chặn: {stage[0]}", f"blocked: {stage[1]}") + first


def _history(history: list[dict], current: str) -> str:
    rows = "".join(
        f"<tr class='{'current' if h['id'] == current else ''}'><td>{html.escape(h['id'])}</td><td>{html.escape(h['at'][:19].replace('T', ' '))}</td>"
        f"<td class='num'>{_n(h['checks'])}</td><td class='num'>{_n(h['checks'] - h['failed'] - h['warnings'])}</td>"
        f"<td class='num'>{_n(h['warnings'])}</td><td class='num'>{_n(h['failed'])}</td>"
        f"<td>{_outcome(h)}</td></tr>"
        for h in sorted(history, key=lambda h: h["at"], reverse=True))
    return (f"<h2>{_bi('Lịch sử các lần kiểm tra', 'History across releases')}</h2><table class='history'>"
            f"<tr><th>{_bi('Lần kiểm tra', 'Audit')}</th><th>{_bi('Thời điểm (UTC)', 'Time (UTC)')}</th>"
            f"<th class='num'>{_bi('Kiểm tra', 'Checks')}</th><th class='num'>{_bi('Đạt', 'Passed')}</th>"
            f"<th class='num'>{_bi('Cảnh báo', 'Warned')}</th><th class='num'>{_bi('Lỗi', 'Failed')}</th>"
            f"<th>{_bi('Kết quả', 'Outcome')}</th></tr>{rows}</table>")


def load_history(audits_dir: Path, audit: AuditResult, audit_id: str) -> list[dict]:
    """Every audit in the store, with this one (not stored yet while its page is written) added."""
    rows = [h for h in stored_history(audits_dir) if h["id"] != audit_id]
    return [*rows, {"id": audit_id, "at": datetime.now(UTC).isoformat(), **audit.summary()}]


def render(audit: AuditResult, title: str, audit_id: str, history: list[dict]) -> str:
    state, verdict = _verdict(audit)
    checks = "".join(_row(r) for r in sorted(audit.results, key=lambda r: (r.success, r.severity != Severity.FAIL)))
    return (
        f"<!doctype html><html lang='vi'><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<body data-verdict='{state}'><h1>{_bi('Báo cáo chất lượng dữ liệu', 'Data quality report')}</h1>"
        f"<div class='small'>{html.escape(title)} · {_bi('thời gian kiểm tra', 'audit took')} "
        f"{audit.seconds:,.1f} s</div><div class='verdict {state}' id='verdict'>{verdict}</div>"
        f"<div class='tiles'><div class='tile'><span class='n'>{_n(len(audit.results))}</span>{_bi('kiểm tra', 'checks')}</div>"
        f"<div class='tile'><span class='n'>{_n(len(audit.warnings))}</span>{_bi('cảnh báo', 'warnings')}</div>"
        f"<div class='tile'><span class='n'>{_n(len(audit.failed))}</span>{_bi('lỗi chặn', 'blocking failures')}</div></div>"
        + _problems(audit)
        + f"<h2>{_bi('Tất cả các kiểm tra', 'Every check')}</h2><table class='checks'>"
        "<col style='width:13%'><col style='width:9%'><col style='width:13%'><col style='width:10%'>"
        "<col style='width:20%'><col style='width:8%'><col style='width:8%'><col>"
        f"<tr><th>{_bi('Bộ kiểm tra', 'Suite')}</th><th>{_bi('Mức độ', 'Severity')}</th><th>{_bi('Đối tượng', 'Target')}</th>"
        f"<th>{_bi('Cột', 'Column')}</th><th>{_bi('Kiểm tra', 'Check')}</th><th>{_bi('Kết quả', 'Result')}</th>"
        f"<th class='num'>{_bi('Số dòng không đạt', 'Unexpected rows')}</th><th>{_bi('Mẫu / lỗi', 'Sample / error')}</th></tr>"
        f"{checks}</table>" + _history(history, audit_id) + "</body></html>")


def write(path: Path, audit: AuditResult, title: str) -> Path:
    """Write `path` (HTML); its history is the audit store of the folder (`<folder>/store/`) plus this audit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(audit, title, path.stem, load_history(path.parent, audit, path.stem)), encoding="utf-8")
    return path
