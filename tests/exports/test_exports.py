"""Release exports that spreadsheets open without mangling codes, dates or Vietnamese names."""

from __future__ import annotations

import csv

import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest

from warehouse.publish import current_release

REPORTS = ("rpt_document_period", "rpt_dossier_period", "rpt_procedure_offering", "rpt_procedure_period")


@pytest.fixture(scope="module")
def exports(release):
    settings, published = release
    return settings.data_dir / "releases" / current_release(settings) / "exports", published


def test_every_report_table_is_exported_in_every_format(exports):
    folder, published = exports
    con = duckdb.connect(str(published), read_only=True)
    reports = tuple(t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' "
                                              "and table_name like 'rpt_%' order by 1").fetchall())
    counts = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in reports}
    con.close()
    assert reports == REPORTS
    book = openpyxl.load_workbook(folder / "cchc_reports.xlsx", read_only=True)
    assert book.sheetnames == [*REPORTS, "columns"]
    for table in REPORTS:
        assert pq.read_metadata(folder / f"{table}.parquet").num_rows == counts[table]
        with (folder / f"{table}.csv").open(encoding="utf-8-sig") as f:
            assert sum(1 for _ in csv.reader(f)) == counts[table] + 1
        assert book[table].max_row == counts[table] + 1


def test_csv_has_bom_and_codes_spreadsheets_keep_as_text(exports):
    folder, _ = exports
    raw = (folder / "rpt_procedure_period.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the byte-order mark
    with (folder / "rpt_procedure_period.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    first = rows[0]
    assert list(first)[:8] == ["unit_code", "unit_name", "parent_unit_code", "parent_unit_name", "handling_level",
                               "procedure_code", "procedure_name", "field_name"]
    # ="00001" is a text formula: Excel and LibreOffice show 00001, not 1; 1.004227 stays a code, not a float
    assert all(r["unit_code"].startswith('="0') and r["unit_code"].endswith('"') for r in rows)
    assert all(r["procedure_code"].startswith('="') for r in rows)
    assert any(r["unit_name"].startswith("Phường ") for r in rows)
    assert all(r["parent_unit_name"].startswith(("Quận ", "Thành phố ")) for r in rows)


def test_xlsx_sheets_are_styled_frozen_filtered_and_typed(exports):
    folder, published = exports
    book = openpyxl.load_workbook(folder / "cchc_reports.xlsx")
    ws = book["rpt_dossier_period"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["unit_code", "unit_name", "parent_unit_code", "parent_unit_name"]
    assert ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb.endswith("1F4E78")
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{ws.max_row}"
    col = {name: i + 1 for i, name in enumerate(header)}
    cell = ws.cell(2, col["unit_code"])
    assert isinstance(cell.value, str) and cell.value.startswith("0") and cell.number_format == "@"
    start = ws.cell(2, col["period_start"])
    assert start.is_date and start.number_format == "dd/mm/yyyy"
    assert ws.cell(2, col["on_time_rate"]).number_format == "0.0%"
    assert ws.column_dimensions["B"].width >= len("Phường Phúc Xá")  # names are not cut off
    assert ws.column_dimensions["F"].width >= 10  # dates (dd/mm/yyyy) never show ###
    legend = book["columns"]
    described = {(r[0], r[1]): r[2] for r in legend.iter_rows(min_row=2, values_only=True)}
    assert described[("rpt_dossier_period", "unit_code")].startswith("Official (NSO) code")
    procedures = book["rpt_procedure_period"]
    assert isinstance(procedures["F2"].value, str) and "." in procedures["F2"].value  # 1.004227 stays text
