"""The published release file: a DuckDB storage format that older clients read, with the dbt docs as comments.

DuckDB 2.0 writes storage version 69 by default, which DuckDB 1.x refuses ("can only read 64–68"), and
most BI drivers still bundle a 1.x engine (Evidence's `@duckdb/node-api`, the Metabase driver, DBeaver's
JDBC). DuckDB writes an older format on request (`ATTACH … (STORAGE_VERSION 'v1.1.0')`, see
https://duckdb.org/docs/stable/internals/storage). The floor chosen is v1.1.0: every DuckDB from 1.1.0 on
reads the release (tests/exports/test_clients.py opens it with duckdb 1.1.0 from PyPI), while the
v1.0.0 format would forgo the compression added in 1.1 for clients that are two years old anyway.
"""

from __future__ import annotations

import tempfile
from functools import cache
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


def open_copy(target: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is `target`, an existing file (a byte copy) kept in its format."""
    con = duckdb.connect()
    con.execute(f"attach '{target}' as {RELEASE_CATALOG}")
    con.execute(f"use {RELEASE_CATALOG}")
    return con


@cache
def _release_format_tag() -> str:
    """How DuckDB tags a file written in the release storage version (`duckdb_databases().tags`)."""
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect()
        try:
            con.execute(f"attach '{Path(tmp) / 'probe.duckdb'}' as probe (storage_version '{STORAGE_VERSION}')")
            return _storage_tag(con, "probe")
        finally:
            con.close()


def _storage_tag(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    [(tags,)] = con.execute("select tags from duckdb_databases() where database_name = ?", [catalog]).fetchall()
    return (tags or {}).get("storage_version", "")


def copyable(path: Path, schema: str) -> bool:
    """Whether a release may be a byte copy of `path`: a checkpointed file (no write-ahead log beside it) in
    the release storage format holding only tables of the public schema — e.g. the marts when dbt builds
    them into a file of their own. Copying bytes costs what the disk does (0.2 s for the 212 MiB of marts
    at 1M dossiers, against 37-45 s re-inserting them on a loaded machine)."""
    if not path.exists() or path.with_name(path.name + ".wal").exists():
        return False
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as source (read_only)")
        if _storage_tag(con, "source") != _release_format_tag():
            return False
        schemas = {s for (s,) in con.execute("select distinct schema_name from duckdb_tables() "
                                              "where database_name = 'source'").fetchall()}
        views = con.execute("select count(*) from duckdb_views() where database_name = 'source' "
                            "and not internal").fetchall()[0][0]
        return schemas == {schema} and views == 0
    finally:
        con.close()


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
