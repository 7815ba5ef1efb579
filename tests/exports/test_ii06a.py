"""Report form II.06a workbooks (warehouse/ii06a.py) read back cell by cell against the marts.

Form: Biểu số II.06a/VPCP/KSTT, Circular 01/2018/TT-VPCP; columns per domain-facts §3.2 (DVCAPI
BaoCao06a.tsx). The expected figures are computed here from rpt_dossier_period / rpt_procedure_period with
the form's own column definitions, independently of the writer.
"""

from __future__ import annotations

from datetime import date

import duckdb
import openpyxl
import pytest

from warehouse.publish import current_release

# (column number on the form, its figure as an expression over the mart)
FORM_COLUMNS = {
    3: "carried_over + received_new", 4: "carried_over", 5: "received_online",
    6: "received_direct + received_postal", 7: "resolved_total", 8: "resolved_early", 9: "resolved_on_time",
    10: "resolved_late", 11: "in_progress_total", 12: "in_progress_within_deadline", 13: "in_progress_overdue",
}
SUMS = ", ".join(f"sum({e})::bigint" for e in FORM_COLUMNS.values())
FIRST_DATA_ROW = 10


@pytest.fixture(scope="module")
def forms(release):
    settings, published = release
    root = settings.data_dir / "releases" / current_release(settings) / "exports" / "ii06a"
    con = duckdb.connect(str(published), read_only=True)
    yield root, con
    con.close()


def _period(folder: str) -> tuple[str, date, date]:
    kind, start, end = folder.split("_")
    return kind, date.fromisoformat(start), date.fromisoformat(end)


def _data_rows(path) -> list[tuple]:
    ws = openpyxl.load_workbook(path).active
    rows = []
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW, max_col=13, values_only=True):
        if row[1] in (None, "Người lập biểu") or row[1].startswith("("):
            break
        rows.append(row)
    return rows


def test_unit_workbooks_for_the_latest_quarter_and_roll_ups_for_every_latest_period(forms):
    root, con = forms
    periods = {p.name for p in root.iterdir()}
    expected = {f"{t}_{s:%Y%m%d}_{e:%Y%m%d}" for t, s, e in con.execute(
        "select period_type, max_by(period_start, period_end), max(period_end) from marts.rpt_dossier_period "
        "group by 1").fetchall()}
    assert periods == expected and len(periods) == 5
    for folder in root.iterdir():
        kind, start, end = _period(folder.name)
        units = {f"{u}_{lvl}.xlsx" for u, lvl in con.execute(
            "select unit_code, handling_level from marts.rpt_dossier_period where period_type = ? "
            "and period_start = ? and period_end = ?", [kind, start, end]).fetchall()}
        expected_files = (units if kind == "quarter" else set()) | {"province_01.xlsx"}
        assert {p.name for p in folder.glob("*.xlsx")} == expected_files


def test_any_period_on_demand(release, tmp_path, monkeypatch):
    settings, published = release
    monkeypatch.setenv("CCHC_DATA_DIR", str(settings.data_dir))
    from warehouse import ii06a

    ii06a.main(["--period-type", "month", "--period-end", "2024-02-29", "--out", str(tmp_path)])
    con = duckdb.connect(str(published), read_only=True)
    units = con.execute("select count(*) from marts.rpt_dossier_period where period_type = 'month' "
                        "and period_end = date '2024-02-29'").fetchone()[0]
    con.close()
    files = list((tmp_path / "month_20240201_20240229").glob("*.xlsx"))
    assert len(files) == units + 1 and units > 0


def test_headings_are_the_official_vietnamese_ones(forms):
    root, _ = forms
    path = next(root.glob("quarter_*/province_01.xlsx"))
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "Biểu số II.06a/VPCP/KSTT"
    assert "Thông tư số 01/2018/TT-VPCP" in ws["A2"].value
    assert ws["A3"].value.startswith("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH")
    assert ws["A4"].value.startswith("Kỳ báo cáo: Quý ")
    assert [ws.cell(6, c).value for c in (1, 2, 3, 7)] == [
        "STT", "Lĩnh vực, công việc giải quyết theo cấp", "Số hồ sơ nhận giải quyết", "Kết quả giải quyết"]
    assert [ws.cell(8, c).value for c in range(4, 14)] == [
        "Số kỳ trước chuyển qua", "Số mới tiếp nhận trực tuyến",
        "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính công ích", "Tổng số", "Trả trước hạn", "Trả đúng hạn",
        "Trả quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
    assert [ws.cell(9, c).value for c in range(1, 14)] == [f"({i})" for i in range(1, 14)]
    assert "Đơn vị báo cáo: Thành phố Hà Nội (01)" == ws["I1"].value


def test_every_unit_form_cell_equals_the_marts(forms):
    root, con = forms
    checked = 0
    for path in sorted(root.glob("*/*_*.xlsx")):
        if path.name.startswith("province_"):
            continue
        kind, start, end = _period(path.parent.name)
        unit, level = path.stem.split("_")
        key = [unit, level, kind, start, end]
        where = "unit_code = ? and handling_level = ? and period_type = ? and period_start = ? and period_end = ?"
        total = con.execute(f"select {SUMS} from marts.rpt_dossier_period where {where}", key).fetchone()
        fields = con.execute(
            f"select coalesce(p.field_name, 'Lĩnh vực chưa xác định'), {SUMS} from marts.rpt_procedure_period r "
            f"left join marts.dim_procedure p using (procedure_code) where {where.replace('unit_code', 'r.unit_code')} "
            "group by 1 order by 1", key).fetchall()
        rows = _data_rows(path)
        assert rows[0][1:] == ("Tổng số", *total), path
        assert [r[1:] for r in rows[1:]] == [tuple(f) for f in fields], path
        assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, len(fields) + 1)]
        checked += 1
    assert checked > 40


def test_province_roll_up_cells_equal_the_marts(forms):
    root, con = forms
    for path in sorted(root.glob("*/province_01.xlsx")):
        kind, start, end = _period(path.parent.name)
        key = [kind, start, end]
        where = "period_type = ? and period_start = ? and period_end = ?"
        rows = _data_rows(path)
        assert rows[0][1:] == ("Tổng số", *con.execute(
            f"select {SUMS} from marts.rpt_dossier_period where {where}", key).fetchone())
        expected = []
        for roman, level, name in (("I", "district", "Cấp huyện"), ("II", "ward", "Cấp xã")):
            expected.append((roman, name, *con.execute(
                f"select {SUMS} from marts.rpt_dossier_period where {where} and handling_level = ?",
                [*key, level]).fetchone()))
            units = con.execute(
                f"select r.unit_code, u.unit_name, {SUMS} from marts.rpt_dossier_period r join marts.dim_admin_unit u "
                f"on u.unit_code = r.unit_code and r.period_end between coalesce(u.valid_from, date '0001-01-01') and coalesce(u.valid_to, "
                f"date '9999-12-31') where {where} and handling_level = ? group by all order by 1",
                [*key, level]).fetchall()
            expected += [(str(i), f"{name_} ({code})", *figs) for i, (code, name_, *figs) in enumerate(units, 1)]
        assert rows[1:] == expected, path
        # the form's identity: received total = resolved + in progress
        assert all(r[2] == r[6] + r[10] for r in rows), path
