"""Scorecards of one snapshot for the scoring committee, under `<data>/scores/<snapshot_id>/`.

- `unit-<level>-<code>.html`, one per unit: group bars against their maximum, the unit's total over the
  years (official snapshots of the same rubric, plus this one), the indicator table with numerator,
  denominator, ratio, points and rule, and the indicators that could not be computed with the reason;
- `ranking.html`: units ranked within their province and level (ties shared), with a chart;
- `scores.xlsx`: every score of the snapshot (all periods) for the committee's own work.

Charts are drawn with matplotlib and inlined as PNG (data: URIs), so each page is one self-contained
file that opens in any browser. The pages are derived from the immutable snapshot and can be re-written;
only the trend depends on which snapshots are official at the time.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime
from pathlib import Path

from cchc.settings import Settings
from scoring.snapshots import ScoringError, connect_store

LEVEL_NAMES = {"district": "district one-stop unit (cấp huyện)", "ward": "ward/commune one-stop unit (cấp xã)"}
CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:1.5em;margin-bottom:4px}h2{font-size:1.15em;margin-top:28px}
.meta{color:#555;font-size:.9em}.total{font-size:1.3em;margin:12px 0}
table{border-collapse:collapse;font-size:.88em;margin-top:8px}
th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right;white-space:nowrap}
tr.component td:first-child{padding-left:22px}tr.nodata{color:#777}
.nodata-mark{color:#999}img{max-width:100%;height:auto}
"""


def _esc(value) -> str:
    return html.escape("" if value is None else str(value))


def _num(value, digits: int = 2) -> str:
    """Null is shown as no data, never as 0."""
    if value is None or value != value:  # None or NaN
        return "<span class='nodata-mark' title='no data'>—</span>"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.{digits}f}"
    return f"{int(value):,}" if isinstance(value, int | float) else _esc(value)


def _pct(value) -> str:
    if value is None or value != value:
        return "<span class='nodata-mark' title='no data'>—</span>"
    return f"{100 * value:.1f} %"


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def group_chart(groups: list[dict], title: str) -> str:
    """Horizontal bars: each group's points against its maximum (grey) and its scorable maximum (hatched)."""
    plt = _pyplot()
    labels = [g["group_name"] for g in groups][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(groups) + 1.2))
    y = range(len(groups))
    rows = groups[::-1]
    ax.barh(y, [g["group_max_points"] for g in rows], color="#e6e6e6", label="maximum")
    ax.barh(y, [g["group_scored_max_points"] or 0 for g in rows], color="none", edgecolor="#9aa9bd",
            hatch="///", label="maximum of what could be scored")
    ax.barh(y, [g["group_points"] or 0 for g in rows], color="#2f6db5", height=0.5, label="points")
    for i, g in enumerate(rows):
        text = "no data" if g["group_points"] is None else f"{g['group_points']:.2f} / {g['group_max_points']:g}"
        ax.text(g["group_max_points"] + 0.3, i, text, va="center", fontsize=8)
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.set_xlim(0, max(g["group_max_points"] for g in groups) * 1.35)
    ax.set_xlabel("points")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def trend_chart(points: list[tuple[int, float | None, float | None, float]], title: str) -> str:
    """Total points per year (official snapshots + this one) against the scorable and full maximum."""
    plt = _pyplot()
    years = [p[0] for p in points]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(years, [p[1] if p[1] is not None else float("nan") for p in points], marker="o", color="#2f6db5",
            label="total points")
    ax.plot(years, [p[2] if p[2] is not None else float("nan") for p in points], linestyle="--", marker="_",
            markersize=14, color="#9aa9bd", label="maximum of what could be scored")
    ax.plot(years, [p[3] for p in points], linestyle=":", marker="_", markersize=14, color="#888", label="maximum")
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylim(0, max(p[3] for p in points) * 1.05)
    ax.set_ylabel("points")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def ranking_chart(units: list[dict], title: str) -> str:
    plt = _pyplot()
    rows = units[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(units) + 1.2))
    y = range(len(rows))
    ax.barh(y, [u["unit_total_points"] or 0 for u in rows], color="#2f6db5")
    ax.set_yticks(list(y), [f"{u['rank_in_province'] or '–'}. {u['unit_name'] or u['unit_code']}" for u in rows],
                  fontsize=7)
    ax.set_xlabel("total points")
    ax.margins(y=0.01)
    ax.set_title(title, fontsize=10)
    return _png(fig)


def _records(con, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _rows(con, sql: str, params: list) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql, params)
    return [d[0] for d in cursor.description], cursor.fetchall()


_KEYS = "period_type, period_start, period_end, handling_level, province_code, unit_code, unit_name"
WORKBOOK_SHEETS = {
    "groups": f"""
        select {_KEYS}, group_order, group_code, group_name, group_points, group_max_points, group_scored_max_points,
               indicators_scored, indicators, unit_total_points, unit_scored_max_points, unit_max_points,
               rank_in_province, units_ranked
        from score_unit where snapshot_id = ?
        order by period_type desc, period_start, handling_level, unit_code, group_order""",
    "indicators": """
        select period_type, period_start, period_end, handling_level, unit_code, group_code, indicator_code,
               parent_indicator_code, numerator, denominator, ratio, points, max_points, scored_max_points,
               self_assessed_points, appraised_round1_points, appraised_round2_points
        from score_indicator where snapshot_id = ?
        order by period_type desc, period_start, handling_level, unit_code, group_order, indicator_order""",
    "rubric": """
        select distinct group_order, group_code, group_name, group_max_points, indicator_order, indicator_code,
               indicator_name, parent_indicator_code, formula_kind, threshold, max_points, numerator_measure,
               denominator_measure, computable, not_computable_reason, rule_text
        from score_indicator where snapshot_id = ? order by group_order, indicator_order""",
}


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang='vi'>\n<head>\n<meta charset='utf-8'>\n<title>{_esc(title)}</title>\n"
            f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _meta(snapshot: dict) -> str:
    official = ("<b>official</b>, marked " + _esc(snapshot["official_marked_at"]) + " by "
                + _esc(snapshot["official_marked_by"])) if snapshot["official"] else "not official"
    return (f"<p class='meta'>Year {snapshot['year']} · rubric <code>{_esc(snapshot['rubric_version'])}</code> · "
            f"snapshot <code>{_esc(snapshot['snapshot_id'])}</code> ({official}) · warehouse release "
            f"<code>{_esc(snapshot['release_id'])}</code> · scored {_esc(snapshot['created_at'])} by "
            f"{_esc(snapshot['created_by'])}</p>")


def _indicator_table(indicators: list[dict]) -> str:
    rows = []
    for i in indicators:
        classes = " ".join(c for c in ("component" if i["parent_indicator_code"] else "",
                                       "nodata" if i["points"] is None else "") if c)
        rule = _esc(i["rule_text"])
        if not i["computable"]:
            rule += f"<br><i>Not computed: {_esc(i['not_computable_reason'])}</i>"
        appraisal = ""
        if i["self_assessed_points"] is not None or i["appraised_round1_points"] is not None:
            appraisal = (f"<br><i>self-assessed {_num(i['self_assessed_points'])}, appraised "
                         f"{_num(i['appraised_round1_points'])} / {_num(i['appraised_round2_points'])}</i>")
        ratio = ("<span class='nodata-mark' title='nothing was due (denominator 0)'>n/a</span>"
                 if i["denominator"] == 0 else _pct(i["ratio"]))
        rows.append(
            f"<tr class='{classes}'><td><code>{_esc(i['indicator_code'])}</code></td>"
            f"<td>{_esc(i['indicator_name'])}</td><td class='n'>{_num(i['numerator'])}</td>"
            f"<td class='n'>{_num(i['denominator'])}</td><td class='n'>{ratio}</td>"
            f"<td class='n'>{_num(i['points'])}{appraisal}</td><td class='n'>{_num(i['max_points'])}</td>"
            f"<td>{rule}</td></tr>")
    return ("<table><tr><th>indicator</th><th>name</th><th>numerator</th><th>denominator</th><th>ratio</th>"
            "<th>points</th><th>max</th><th>rule</th></tr>" + "".join(rows) + "</table>")


def _unit_file(unit: dict) -> str:
    return f"unit-{unit['handling_level']}-{unit['unit_code']}.html"


def write_scorecards(settings: Settings, snapshot_id: str) -> Path:
    """Write the unit pages, ranking.html and scores.xlsx of a snapshot; returns the folder."""
    con = connect_store(settings, read_only=True)
    try:
        found = _records(con, "select * from score_snapshot where snapshot_id = ?", [snapshot_id])
        if not found:
            raise ScoringError(f"unknown snapshot {snapshot_id!r} (python -m scoring list)")
        snapshot = found[0]
        groups = _records(con, "select * from score_unit where snapshot_id = ? and period_type = 'year' "
                               "order by handling_level, unit_code, group_order", [snapshot_id])
        indicators = _records(
            con, "select * from score_indicator where snapshot_id = ? and period_type = 'year' order by "
                 "handling_level, unit_code, group_order, indicator_order", [snapshot_id])
        history = _records(
            con, "select s.year, u.unit_code, u.handling_level, any_value(u.unit_total_points) as total, "
                 "any_value(u.unit_scored_max_points) as scored_max, any_value(u.unit_max_points) as max "
                 "from score_snapshot as s join score_unit as u using (snapshot_id) "
                 "where s.official and s.rubric_version = ? and s.year <> ? and u.period_type = 'year' "
                 "group by all", [snapshot["rubric_version"], snapshot["year"]])
        sheets = {name: _rows(con, sql, [snapshot_id]) for name, sql in WORKBOOK_SHEETS.items()}
    finally:
        con.close()
    if not groups:
        raise ScoringError(f"snapshot {snapshot_id} has no yearly unit scores")

    out = settings.data_dir / "scores" / snapshot_id
    out.mkdir(parents=True, exist_ok=True)
    units: dict[tuple[str, str], list[dict]] = {}
    for g in groups:
        units.setdefault((g["handling_level"], g["unit_code"]), []).append(g)
    by_unit: dict[tuple[str, str], list[dict]] = {}
    for i in indicators:
        by_unit.setdefault((i["handling_level"], i["unit_code"]), []).append(i)
    past: dict[tuple[str, str], list[tuple]] = {}
    for h in history:
        past.setdefault((h["handling_level"], h["unit_code"]), []).append(
            (h["year"], h["total"], h["scored_max"], h["max"]))

    for key, unit_groups in units.items():
        _write_unit_page(out, snapshot, unit_groups, by_unit.get(key, []), past.get(key, []))
    _write_ranking(out, snapshot, [g[0] for g in units.values()])
    _write_workbook(out / "scores.xlsx", snapshot, {"ranking": _ranking_sheet(units), **sheets})
    return out


def _write_unit_page(out: Path, snapshot: dict, groups: list[dict], indicators: list[dict], past: list[tuple]) -> None:
    unit = groups[0]
    name = unit["unit_name"] or unit["unit_code"]
    title = f"{name} ({unit['unit_code']}) — CCHC index {snapshot['year']}"
    trend = sorted(past + [(snapshot["year"], unit["unit_total_points"], unit["unit_scored_max_points"],
                            unit["unit_max_points"])])
    rank = (f"rank {unit['rank_in_province']} of {unit['units_ranked']} {unit['handling_level']}-level units "
            f"in province {_esc(unit['province_code'])}" if unit["rank_in_province"] else "not ranked (no data)")
    computable = [i for i in indicators if i["computable"]]
    missing = [i for i in indicators if not i["computable"]]
    body = (
        f"<p><a href='ranking.html'>← ranking</a></p><h1>{_esc(title)}</h1>{_meta(snapshot)}"
        f"<p class='meta'>Scored on the dossiers handled by the {_esc(LEVEL_NAMES.get(unit['handling_level']))}"
        f"{', parent ' + _esc(unit['parent_unit_code']) if unit['parent_unit_code'] else ''}.</p>"
        f"<p class='total'>Total <b>{_num(unit['unit_total_points'])}</b> of {_num(unit['unit_max_points'])} points "
        f"({_num(unit['unit_scored_max_points'])} could be scored from the warehouse) · {rank}</p>"
        f"<h2>Groups</h2><img alt='group points against maximum' src='{group_chart(groups, title)}'>"
        f"<h2>Trend over the years</h2><img alt='total points by year' "
        f"src='{trend_chart(trend, f'{name}: total points by year')}'>"
        "<p class='meta'>Earlier years: the official snapshot of each year under the same rubric.</p>"
        f"<h2>Indicators</h2>{_indicator_table(computable)}"
        f"<h2>Not computed from the warehouse</h2>{_indicator_table(missing) if missing else '<p>none</p>'}"
    )
    (out / _unit_file(unit)).write_text(_page(title, body), encoding="utf-8")


def _write_ranking(out: Path, snapshot: dict, units: list[dict]) -> None:
    sections = []
    scopes = sorted({(u["handling_level"], u["province_code"] or "") for u in units})
    for level, province in scopes:
        ranked = sorted((u for u in units if u["handling_level"] == level and (u["province_code"] or "") == province),
                        key=lambda u: (u["rank_in_province"] is None, u["rank_in_province"] or 0, u["unit_code"]))
        rows = "".join(
            f"<tr><td class='n'>{_num(u['rank_in_province'])}</td><td><a href='{_unit_file(u)}'>"
            f"{_esc(u['unit_name'] or u['unit_code'])}</a></td><td><code>{_esc(u['unit_code'])}</code></td>"
            f"<td class='n'>{_num(u['unit_total_points'])}</td><td class='n'>{_num(u['unit_scored_max_points'])}</td>"
            f"<td class='n'>{_num(u['unit_max_points'])}</td></tr>" for u in ranked)
        heading = f"{LEVEL_NAMES.get(level, level)} — province {province or 'unknown'}"
        sections.append(
            f"<h2>{_esc(heading)}</h2><img alt='ranking chart' src='{ranking_chart(ranked, heading)}'>"
            "<table><tr><th>rank</th><th>unit</th><th>code</th><th>total</th><th>scorable max</th><th>max</th></tr>"
            f"{rows}</table>")
    title = f"CCHC index {snapshot['year']} — ranking"
    body = (f"<h1>{_esc(title)}</h1>{_meta(snapshot)}<p class='meta'>Units of the same level in the same province, "
            "highest total first; equal totals share a rank. Units with no scorable indicator are not ranked.</p>"
            + "".join(sections))
    (out / "ranking.html").write_text(_page(title, body), encoding="utf-8")


def _ranking_sheet(units: dict[tuple[str, str], list[dict]]) -> tuple[list[str], list[tuple]]:
    """One row per unit: its rank, total and the points of each group (columns in the rubric's order)."""
    keys = ["handling_level", "province_code", "unit_code", "unit_name", "rank_in_province", "units_ranked",
            "unit_total_points", "unit_scored_max_points", "unit_max_points"]
    codes = sorted({(g["group_order"], g["group_code"]) for gs in units.values() for g in gs})
    rows = []
    for gs in units.values():
        points = {g["group_code"]: g["group_points"] for g in gs}
        rows.append(tuple(gs[0][k] for k in keys) + tuple(points.get(code) for _, code in codes))
    rows.sort(key=lambda r: (r[0], r[1] or "", r[4] is None, r[4] or 0, r[2]))
    return keys + [code for _, code in codes], rows


def _cell(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()  # Excel has no time zones
    return value


def _write_workbook(path: Path, snapshot: dict, sheets: dict[str, tuple[list[str], list[tuple]]]) -> None:
    """All of the snapshot's scores, streamed (openpyxl write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    meta = book.create_sheet("snapshot")
    meta.append(["key", "value"])
    for key, value in snapshot.items():
        meta.append([key, _cell(value)])
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(v) for v in row])
    book.save(path)
