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

from warehouse import ii06a, xlsx

PUBLIC_SCHEMA = "marts"
WORKBOOK = "cchc_reports.xlsx"
XLSX_MAX_ROWS = 1_000_000  # a sheet holds 1,048,576 rows; the rest is in the Parquet/CSV
CODE_COLUMNS = {"unit_code", "parent_unit_code", "procedure_code", "province_code"}


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


def _column_style(name: str, type_name: str) -> xlsx.Style:
    if name in CODE_COLUMNS or type_name == "VARCHAR":
        return xlsx.Style.TEXT
    if type_name == "DATE":
        return xlsx.Style.DATE
    if name.endswith("_rate"):
        return xlsx.Style.RATE
    if type_name in ("BIGINT", "INTEGER", "HUGEINT"):
        return xlsx.Style.COUNT
    return xlsx.Style.DEFAULT


def write_workbook(con: duckdb.DuckDBPyConnection, tables: list[str], target: Path) -> None:
    """The report workbook: a sheet per report table (codes as text, dates dd/mm/yyyy, rates as %, names beside
    codes), and a legend of every column from the dbt docs (persisted as comments)."""
    book = xlsx.Workbook(target)
    legend, cut = [], []
    for table in tables:
        sql = named_query(con, table)
        columns = [xlsx.Column(d[0], str(d[1]), _column_style(d[0], str(d[1])))
                   for d in con.execute(f"select * from ({sql}) limit 0").description]
        if book.add_query_sheet(table[:31], con, sql, columns, XLSX_MAX_ROWS) >= XLSX_MAX_ROWS:
            cut.append(table)
        legend += [[table, column, comment or ""] for column, comment in con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index", [PUBLIC_SCHEMA, table]).fetchall()]
        if table in cut:
            legend.append([table, "", f"cut at {XLSX_MAX_ROWS:,} rows: the full table is in {table}.parquet"])
    book.add_rows_sheet("columns", ["sheet", "column", "description"], legend, [24, 32, 100])
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
