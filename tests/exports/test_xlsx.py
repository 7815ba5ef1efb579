"""The SpreadsheetML writer (warehouse/xlsx.py) on values that break naive XML: markup characters, control
characters, nulls, NaN, and a type no cell takes."""

from __future__ import annotations

import zipfile

import duckdb
import openpyxl
import pytest

from warehouse import xlsx


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create table t as select * from (values "
                "('a' || chr(1) || 'b <&> \"c\"', 1, 0.5::double, date '2024-07-01', true), "
                "('  lề  ', null, 'nan'::double, null, false), "
                "(null, 3, 0.1::double + 0.2::double, date '1900-03-01', null)) as v(s, i, d, dt, b)")
    return con


def _columns(con, sql):
    styles = {"s": xlsx.Style.TEXT, "i": xlsx.Style.COUNT, "d": xlsx.Style.RATE, "dt": xlsx.Style.DATE}
    return [xlsx.Column(d[0], str(d[1]), styles.get(d[0], xlsx.Style.DEFAULT))
            for d in con.execute(f"select * from ({sql}) limit 0").description]


def test_cells_keep_text_numbers_dates_and_leave_nulls_empty(con, tmp_path):
    path = tmp_path / "t.xlsx"
    book = xlsx.Workbook(path)
    assert book.add_query_sheet("t", con, "select * from t", _columns(con, "select * from t"), 10) == 3
    book.add_rows_sheet("legend", ["what", "note"], [["s", "a <text> & more"]], [10, 40])
    book.close()
    assert zipfile.ZipFile(path).testzip() is None
    wb = openpyxl.load_workbook(path)
    ws = wb["t"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}  # ordered by every column, nulls last
    assert [c.value for c in ws[2]][0] == "  lề  "  # leading spaces kept (xml:space="preserve")
    assert rows["  lề  "][1:3] == (None, None)  # null and NaN: no cell
    assert rows["a_x0001_b <&> \"c\""][1:] == (1, 0.5, rows["a_x0001_b <&> \"c\""][3], True)
    assert rows["a_x0001_b <&> \"c\""][3].date().isoformat() == "2024-07-01"
    assert rows[None][2] == 0.1 + 0.2  # doubles exactly (shortest round-trip digits)
    assert rows[None][3].date().isoformat() == "1900-03-01"  # Excel's serial 61, past its 29 Feb 1900
    assert ws["C3"].number_format == "0.0%" and ws["D3"].number_format == "dd/mm/yyyy" and ws["B3"].number_format == "#,##0"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E4"
    assert list(wb["legend"].iter_rows(values_only=True)) == [("what", "note"), ("s", "a <text> & more")]


def test_rows_past_the_limit_are_cut(con, tmp_path):
    book = xlsx.Workbook(tmp_path / "t.xlsx")
    assert book.add_query_sheet("t", con, "select * from t", _columns(con, "select * from t"), 2) == 2
    book.close()
    assert openpyxl.load_workbook(tmp_path / "t.xlsx")["t"].max_row == 3


def test_a_type_no_cell_takes_is_named(con, tmp_path):
    sql = "select s, now() as stamped from t"
    with pytest.raises(ValueError, match="column 'stamped' has type TIMESTAMP WITH TIME ZONE"):
        xlsx.Workbook(tmp_path / "t.xlsx").add_query_sheet("t", con, sql, _columns(con, sql), 10)
