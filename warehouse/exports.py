"""Exports of a release for people who work in spreadsheets, and for tools that read files.

Per report table (`rpt_*`): Parquet (typed, the universal path for tools), CSV for spreadsheets, and
one workbook `cchc_reports.xlsx` with a sheet per report table plus a column legend.

Spreadsheets guess types: opened in Excel or LibreOffice, a CSV cell `003` becomes the number 3 and the
procedure code `1.004227` a float. Codes are therefore written as text formulas (`="003"`), which both
spreadsheets show as the text 003; the file starts with a UTF-8 byte-order mark so Excel reads the
Vietnamese names as UTF-8. Tools should read the Parquet, which keeps types exactly.
Every export puts the unit's (and parent unit's, procedure's) name beside its code.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import xlsxwriter
from openpyxl.styles import Alignment, Font, PatternFill

from warehouse import ii06a

PUBLIC_SCHEMA = "marts"
WORKBOOK = "cchc_reports.xlsx"
XLSX_MAX_ROWS = 1_000_000  # a sheet holds 1,048,576 rows; the rest is in the Parquet/CSV
CODE_COLUMNS = {"unit_code", "parent_unit_code", "procedure_code", "province_code"}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
DATE_FORMAT = "dd/mm/yyyy"
RATE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"


def report_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_name like 'rpt_%' "
        "order by table_name", [PUBLIC_SCHEMA]).fetchall()]


def named_query(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The report table with unit (and procedure) names placed right after their codes.

    Names are those valid at the period's end (dim_admin_unit is a history: units were renamed and merged
    on 1 July 2025, Resolution 202/2025/QH15).
    """
    columns = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [PUBLIC_SCHEMA, table]).fetchall()]
    joins, select = [], []
    for col in columns:
        select.append(f"r.{col}")
        if col in ("unit_code", "parent_unit_code"):
            alias = col.removesuffix("_code")
            joins.append(f"left join {PUBLIC_SCHEMA}.dim_admin_unit {alias} on {alias}.unit_code = r.{col} "
                         f"and r.period_end between coalesce({alias}.valid_from, date '0001-01-01') and coalesce({alias}.valid_to, date '9999-12-31')")
            select.append(f"{alias}.unit_name as {alias}_name")
        elif col == "procedure_code":
            joins.append(f"left join {PUBLIC_SCHEMA}.dim_procedure p on p.procedure_code = r.procedure_code")
            select += ["p.procedure_name", "p.field_name"]
    return f"select {', '.join(select)} from {PUBLIC_SCHEMA}.{table} r {' '.join(joins)} order by all"


def _spreadsheet_text(value: object) -> object:
    return None if value is None else '="' + str(value).replace('"', '""') + '"'


def write_csv(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> None:
    """CSV for spreadsheets: UTF-8 with BOM, codes as text formulas so leading zeros survive."""
    cursor = con.execute(named_query(con, table))
    names = [d[0] for d in cursor.description]
    codes = [i for i, n in enumerate(names) if n in CODE_COLUMNS]
    with target.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        while batch := cursor.fetchmany(50_000):
            for row in batch:
                row = list(row)
                for i in codes:
                    row[i] = _spreadsheet_text(row[i])
                writer.writerow(row)


def _column_format(name: str, type_name: str) -> str | None:
    if name in CODE_COLUMNS or type_name == "VARCHAR":
        return "@"
    if type_name == "DATE":
        return DATE_FORMAT
    if name.endswith("_rate"):
        return RATE_FORMAT
    if type_name in ("BIGINT", "INTEGER", "HUGEINT"):
        return COUNT_FORMAT
    return None


def style_header(ws, row: int, first_col: int, last_col: int) -> None:
    """openpyxl header style, for the forms built with openpyxl (warehouse/ii06a.py)."""
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


class _Formats:
    """XlsxWriter formats of the workbook, made once (a format per cell would bloat the file)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78",
                                       "align": "center", "valign": "vcenter", "text_wrap": True})
        self._by_code: dict[str, object] = {}
        self._book = book

    def number(self, code: str | None):
        if code is None:
            return None
        if code not in self._by_code:
            self._by_code[code] = self._book.add_format({"num_format": code})
        return self._by_code[code]


def _write_sheet(book: xlsxwriter.Workbook, formats: _Formats, con: duckdb.DuckDBPyConnection, table: str) -> int:
    """One report table as a sheet, streamed row by row (constant memory): header style, widths, frozen
    header, autofilter, a number format per column (codes as text, dates dd/mm/yyyy, rates as %)."""
    cursor = con.execute(named_query(con, table) + f" limit {XLSX_MAX_ROWS}")
    names = [d[0] for d in cursor.description]
    column_formats = [formats.number(_column_format(n, str(d[1]))) for n, d in zip(names, cursor.description,
                                                                                   strict=True)]
    ws = book.add_worksheet(table[:31])
    ws.write_row(0, 0, names, formats.header)
    ws.freeze_panes(1, 0)
    widths = [len(n) for n in names]
    rows = 0
    while batch := cursor.fetchmany(50_000):
        for row in batch:
            rows += 1
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    widths[col] = max(widths[col], len(value))
                    ws.write_string(rows, col, value, column_formats[col])
                else:
                    ws.write(rows, col, value, column_formats[col])
    for col, width in enumerate(widths):
        # widths cannot follow the data in constant-memory mode after rows are written: Excel reads the
        # <cols> element wherever it is, and XlsxWriter writes it at close
        ws.set_column(col, col, min(max(width, 10) + 2, 60))
    ws.autofilter(0, 0, rows, len(names) - 1)
    return rows


def _write_legend(book: xlsxwriter.Workbook, formats: _Formats, con: duckdb.DuckDBPyConnection,
                  tables: list[str], rows: dict[str, int]) -> None:
    """Column meanings from the dbt docs (persisted as comments), and any sheet cut at the row limit."""
    ws = book.add_worksheet("columns")
    ws.write_row(0, 0, ["sheet", "column", "description"], formats.header)
    ws.freeze_panes(1, 0)
    line = 0
    for table in tables:
        for column, comment in con.execute(
                "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ? "
                "order by column_index", [PUBLIC_SCHEMA, table]).fetchall():
            line += 1
            ws.write_row(line, 0, [table, column, comment or ""])
        if rows[table] >= XLSX_MAX_ROWS:
            line += 1
            ws.write_row(line, 0, [table, "", f"cut at {XLSX_MAX_ROWS:,} rows: the full table is in {table}.parquet"])
    for col, width in enumerate((24, 32, 100)):
        ws.set_column(col, col, width)
    ws.autofilter(0, 0, line, 2)


def write_workbook(con: duckdb.DuckDBPyConnection, tables: list[str], target: Path) -> None:
    """The report workbook, written with XlsxWriter in constant-memory mode: rows stream to disk, so the
    workbook costs what its cells cost (openpyxl's in-memory model took ~100 s for 22k rows here)."""
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    formats = _Formats(book)
    rows = {table: _write_sheet(book, formats, con, table) for table in tables}
    _write_legend(book, formats, con, tables, rows)
    book.close()


def export_release(release: Path, con: duckdb.DuckDBPyConnection) -> list[str]:
    """Write every export of the release into `release/exports`; returns their paths relative to it."""
    exports = release / "exports"
    exports.mkdir()
    written = []
    tables = report_tables(con)
    for table in tables:
        target = exports / f"{table}.parquet"
        con.execute(f"copy {PUBLIC_SCHEMA}.{table} to '{target}' (format parquet)")
        write_csv(con, table, exports / f"{table}.csv")
        written += [f"{table}.parquet", f"{table}.csv"]
    write_workbook(con, tables, exports / WORKBOOK)
    written.append(WORKBOOK)
    if "rpt_dossier_period" in tables:
        written += [str(p.relative_to(exports)) for p in ii06a.write_latest(con, exports / "ii06a")]
    return written
