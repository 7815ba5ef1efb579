"""Immutable score snapshots in an append-only store, `<data>/scores/scores.duckdb`.

`score_year` reads the PUBLISHED warehouse read-only (the release the published link points at when
the run starts), copies that year's live scores (marts.score_indicator / marts.score_unit: year,
quarters, months) for one rubric version into the store under a new snapshot id, and records the
release it read. Re-scoring adds another snapshot; rows of an existing snapshot are never updated
or deleted. Which snapshot is official for a (year, rubric version) is metadata kept apart, in the
append-only log `official_marking` (who, when, why): the latest marking wins, so exactly one
snapshot per (year, rubric version) is official once any has been marked. The view `score_snapshot`
shows every snapshot with its `official` flag.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from cchc.settings import Settings
from scoring import DEFAULT_RUBRIC
from warehouse.publish import published_path

VN_TZ = timezone(timedelta(hours=7))
SCORE_TABLES = ("score_indicator", "score_unit")

_DDL = """
create table if not exists snapshot_run (
    snapshot_id varchar primary key,
    year integer not null,
    rubric_version varchar not null,
    release_id varchar not null,
    source_path varchar not null,
    created_at timestamptz not null,
    created_by varchar not null,
    indicator_rows bigint not null,
    unit_rows bigint not null
);
create sequence if not exists official_marking_seq;
create table if not exists official_marking (
    marking_seq bigint primary key default nextval('official_marking_seq'),
    snapshot_id varchar not null,
    year integer not null,
    rubric_version varchar not null,
    marked_at timestamptz not null,
    marked_by varchar not null,
    reason varchar
);
create or replace view score_snapshot as
with latest as (
    select * from official_marking
    qualify row_number() over (partition by year, rubric_version order by marking_seq desc) = 1
)
select
    r.snapshot_id, r.created_at, r.created_by, r.year, r.release_id, r.rubric_version,
    coalesce(l.snapshot_id = r.snapshot_id, false) as official,
    case when l.snapshot_id = r.snapshot_id then l.marked_at end as official_marked_at,
    case when l.snapshot_id = r.snapshot_id then l.marked_by end as official_marked_by,
    r.indicator_rows, r.unit_rows, r.source_path
from snapshot_run as r
left join latest as l on l.year = r.year and l.rubric_version = r.rubric_version;
"""


class ScoringError(RuntimeError):
    """Nothing to score (no published warehouse, no scores for the year) or an unknown snapshot."""


def store_path(settings: Settings) -> Path:
    return settings.data_dir / "scores" / "scores.duckdb"


def year_to_score(moment: datetime) -> int:
    """The year a scheduled run scores: the one before the run's date in Vietnam."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).year - 1


def connect_store(settings: Settings, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = store_path(settings)
    if read_only:
        if not path.exists():
            raise ScoringError(f"no score store yet at {path}: run `python -m scoring score --year YYYY` first")
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(_DDL)
    return con


def _published_release(settings: Settings) -> tuple[Path, str]:
    link = published_path(settings)
    if not link.exists():
        raise ScoringError(f"no published warehouse at {link}: publish one first (python -m warehouse run)")
    target = Path(os.path.realpath(link))  # resolved once: the whole run reads this one release
    return target, target.parent.name


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> dict[str, str]:
    rows = con.execute("select column_name, data_type from information_schema.columns where table_catalog = ? "
                       "and table_schema = ? and table_name = ? order by ordinal_position",
                       [catalog, "main" if catalog != "pub" else "marts", table]).fetchall()
    return dict(rows)


def _ensure_score_table(con: duckdb.DuckDBPyConnection, store_catalog: str, table: str) -> None:
    """Create the store's copy of a score mart, or add columns a newer mart has (additive only)."""
    source = _columns(con, "pub", table)
    if not source:
        raise ScoringError(f"the published release has no marts.{table}: it predates index scoring; "
                           "rebuild and publish the warehouse")
    existing = _columns(con, store_catalog, table)
    if not existing:
        con.execute(f"create table {table} as select * from pub.marts.{table} where false")
        return
    for name, data_type in source.items():
        if name not in existing:
            con.execute(f'alter table {table} add column "{name}" {data_type}')


def score_year(settings: Settings, year: int, *, rubric_version: str = DEFAULT_RUBRIC, official: bool = False,
               by: str | None = None) -> str:
    """Freeze `year`'s live scores of the published warehouse into a new snapshot; returns its id."""
    source, release_id = _published_release(settings)
    by = by or getpass.getuser()
    created_at = datetime.now(UTC)
    snapshot_id = f"{year}-{rubric_version}-{created_at:%Y%m%dT%H%M%S%fZ}"
    con = connect_store(settings)
    in_transaction = False
    try:
        store_catalog = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{source}' as pub (read_only)")
        for table in SCORE_TABLES:
            _ensure_score_table(con, store_catalog, table)
        where = ("rubric_version = ? and period_type in ('year', 'quarter', 'month') "
                 "and period_start >= make_date(?, 1, 1) and period_end <= make_date(?, 12, 31)")
        params = [rubric_version, year, year]
        found = con.execute(f"select count(*) from pub.marts.score_indicator where {where}", params).fetchone()[0]
        if not found:
            versions = [v for (v,) in con.execute(
                "select distinct rubric_version from pub.marts.score_indicator order by 1").fetchall()]
            raise ScoringError(f"release {release_id} has no scores for {year} under rubric {rubric_version!r} "
                               f"(rubric versions there: {versions})")
        con.execute("begin transaction")  # all of the snapshot or nothing
        in_transaction = True
        counts = {}
        for table in SCORE_TABLES:
            con.execute(f"insert into {table} by name select * replace (?::varchar as snapshot_id) "
                        f"from pub.marts.{table} where {where}", [snapshot_id, *params])
            counts[table] = con.execute(f"select count(*) from {table} where snapshot_id = ?",
                                        [snapshot_id]).fetchone()[0]
        con.execute("insert into snapshot_run values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [snapshot_id, year, rubric_version, release_id, str(source), created_at, by,
                     counts["score_indicator"], counts["score_unit"]])
        if official:
            _mark(con, snapshot_id, by, "scored as official")
        con.execute("commit")
        in_transaction = False
    except BaseException:
        if in_transaction:
            con.execute("rollback")
        raise
    finally:
        con.close()
    return snapshot_id


def _mark(con: duckdb.DuckDBPyConnection, snapshot_id: str, by: str, reason: str | None) -> None:
    row = con.execute("select year, rubric_version, official from score_snapshot where snapshot_id = ?",
                      [snapshot_id]).fetchone()
    if row is None:
        raise ScoringError(f"unknown snapshot {snapshot_id!r} (python -m scoring list)")
    year, rubric_version, already = row
    if already:
        return
    con.execute("insert into official_marking (snapshot_id, year, rubric_version, marked_at, marked_by, reason) "
                "values (?, ?, ?, ?, ?, ?)", [snapshot_id, year, rubric_version, datetime.now(UTC), by, reason])


def mark_official(settings: Settings, snapshot_id: str, *, by: str | None = None, reason: str | None = None) -> None:
    """Make `snapshot_id` the official snapshot of its (year, rubric version); recorded with who and when."""
    con = connect_store(settings)
    try:
        _mark(con, snapshot_id, by or getpass.getuser(), reason)
    finally:
        con.close()


def list_snapshots(settings: Settings) -> list[dict]:
    """Every snapshot, newest first, with its official flag."""
    if not store_path(settings).exists():
        return []
    con = connect_store(settings, read_only=True)
    try:
        cursor = con.execute("select * from score_snapshot order by created_at desc, snapshot_id desc")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def official_snapshot(settings: Settings, year: int, rubric_version: str = DEFAULT_RUBRIC) -> str | None:
    for snapshot in list_snapshots(settings):
        if snapshot["official"] and snapshot["year"] == year and snapshot["rubric_version"] == rubric_version:
            return snapshot["snapshot_id"]
    return None
