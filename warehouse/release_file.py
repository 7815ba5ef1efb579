"""The published release file: a DuckDB storage format that older clients read, with the dbt docs as comments.

DuckDB 2.0 writes storage version 69 by default, which DuckDB 1.x refuses ("can only read 64–68"), and
most BI drivers still bundle a 1.x engine (Evidence's `@duckdb/node-api`, the Metabase driver, DBeaver's
JDBC). DuckDB writes an older format on request (`ATTACH … (STORAGE_VERSION 'v1.1.0')`, see
https://duckdb.org/docs/stable/internals/storage). The floor chosen is v1.1.0: every DuckDB from 1.1.0 on
reads the release (tests/exports/test_clients.py opens it with duckdb 1.1.0 from PyPI), while the
v1.0.0 format would forgo the compression added in 1.1 for clients that are two years old anyway.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

STORAGE_VERSION = "v1.1.0"
MIN_DUCKDB_CLIENT = "1.1.0"
RELEASE_CATALOG = "release"

TABLE_COMMENTS = {
    "quality_check_result": "One row per data-quality check of this release's audit (suite, severity, target, "
                            "result, unexpected count and a sample of failing values).",
    "release_manifest": "The release's manifest (JSON): id, publication time, tables, landing batches, "
                        "check and dbt summaries, exports.",
}


def open_for_writing(target: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is `target`, created in the older storage format."""
    con = duckdb.connect()
    con.execute(f"attach '{target}' as {RELEASE_CATALOG} (storage_version '{STORAGE_VERSION}')")
    con.execute(f"use {RELEASE_CATALOG}")
    return con


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def copy_comments(con: duckdb.DuckDBPyConnection, source_catalog: str, schema: str) -> int:
    """Copy table and column comments (dbt's persisted docs) from the candidate to the release.

    `create table … as select` keeps no comments, so without this the release shows none.
    Returns the number of comments written.
    """
    written = 0
    for table, comment in con.execute(
            "select table_name, comment from duckdb_tables() where database_name = ? and schema_name = ? "
            "and coalesce(comment, '') <> ''", [source_catalog, schema]).fetchall():
        con.execute(f'comment on table {RELEASE_CATALOG}.{schema}."{table}" is {_quote(comment.strip())}')
        written += 1
    for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() where database_name = ? "
            "and schema_name = ? and coalesce(comment, '') <> ''", [source_catalog, schema]).fetchall():
        con.execute(f'comment on column {RELEASE_CATALOG}.{schema}."{table}"."{column}" is '
                    f'{_quote(comment.strip())}')
        written += 1
    return written


def describe_release_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Comments for the tables publish adds itself (they have no dbt model)."""
    for table, comment in TABLE_COMMENTS.items():
        con.execute(f"comment on table {RELEASE_CATALOG}.{schema}.{table} is {_quote(comment)}")
