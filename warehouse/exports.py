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
from copy import copy
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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


def _format_column(ws, col: int, rows: int, fmt: str) -> None:
    """Give a whole column one number format. Setting `number_format` cell by cell re-registers the style
    each time (minutes for a large sheet); cells share one style array instead, as openpyxl's copy does."""
    first = ws.cell(row=2, column=col)
    first.number_format = fmt
    for (cell,) in ws.iter_rows(min_row=3, max_row=rows + 1, min_col=col, max_col=col):
        cell._style = copy(first._style)


def style_header(ws, row: int, first_col: int, last_col: int) -> None:
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _write_sheet(wb: Workbook, con: duckdb.DuckDBPyConnection, table: str) -> int:
    cursor = con.execute(named_query(con, table) + f" limit {XLSX_MAX_ROWS}")
    names = [d[0] for d in cursor.description]
    types = [str(d[1]) for d in cursor.description]
    formats = [_column_format(n, t) for n, t in zip(names, types, strict=True)]
    ws = wb.create_sheet(table[:31])
    ws.append(names)
    widths = [len(n) for n in names]
    rows = 0
    for row in cursor.fetchall():
        ws.append(row)
        rows += 1
        for i, value in enumerate(row):
            if isinstance(value, str) and len(value) > widths[i]:
                widths[i] = len(value)
    for i, fmt in enumerate(formats, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = min(max(widths[i - 1], 10) + 2, 60)
        if fmt and rows:
            _format_column(ws, i, rows, fmt)
    style_header(ws, 1, 1, len(names))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{rows + 1}"
    return rows


def _write_legend(wb: Workbook, con: duckdb.DuckDBPyConnection, tables: list[str], rows: dict[str, int]) -> None:
    """Column meanings from the dbt docs (persisted as comments), and any sheet cut at the row limit."""
    ws = wb.create_sheet("columns")
    ws.append(["sheet", "column", "description"])
    for table in tables:
        for column, comment in con.execute(
                "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ? "
                "order by column_index", [PUBLIC_SCHEMA, table]).fetchall():
            ws.append([table, column, comment or ""])
        if rows[table] >= XLSX_MAX_ROWS:
            ws.append([table, "", f"cut at {XLSX_MAX_ROWS:,} rows: the full table is in {table}.parquet"])
    for letter, width in zip("ABC", (24, 32, 100), strict=True):
        ws.column_dimensions[letter].width = width
    style_header(ws, 1, 1, 3)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:C{ws.max_row}"


def write_workbook(con: duckdb.DuckDBPyConnection, tables: list[str], target: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    rows = {table: _write_sheet(wb, con, table) for table in tables}
    _write_legend(wb, con, tables, rows)
    wb.save(target)


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
