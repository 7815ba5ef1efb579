"""The hand-written DuckDB reference of `make bench`: fct_dossier and rpt_dossier_period from the landing zone.

bench/reference.sql computes them in plain SQL (no dbt, no tests, no docs), into its own database file,
with the build's DuckDB settings. The bench times it beside the dbt build over the same landing zone and
prints the build's ratio to it; `compare` proves both give the same figures for the compared columns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from cchc.calendar import WorkingCalendar
from warehouse.compare import rows_differing

SQL = Path(__file__).with_name("reference.sql")
# fct_dossier columns the reference computes (identity, grain of the reports, timeliness)
DOSSIER_COLUMNS = ("dossier_id", "source_system", "handling_level", "unit_code", "parent_unit_code",
                   "procedure_code", "channel", "received_at", "due_at", "finished_at", "supplement_request_count",
                   "on_time_status", "on_time_status_766")
# rpt_dossier_period: every column
REPORT_COLUMNS = ("unit_code", "parent_unit_code", "handling_level", "period_type", "period_start", "period_end",
                  "carried_over", "received_new", "received_total", "received_online", "received_direct",
                  "received_postal", "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
                  "in_progress_total", "in_progress_within_deadline", "in_progress_overdue", "on_time_rate",
                  "online_rate", "postal_return_requested", "postal_returned", "results_returned_online",
                  "apologies_issued", "ratings_total", "ratings_satisfied", "results_digitised")
COMPARED = {"fct_dossier": DOSSIER_COLUMNS, "rpt_dossier_period": REPORT_COLUMNS}


@dataclass(frozen=True)
class ReferenceResult:
    database: Path
    seconds: float
    rows: dict[str, int]


def statements(landing: Path, as_of: str) -> list[str]:
    text = SQL.read_text().replace("{landing}", str(landing)).replace("{as_of}", as_of)
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def _calendar() -> pa.Table:
    cal = WorkingCalendar.build(2015, 2030)  # the same calendar as dim_date (holidays + the seed's swaps)
    return pa.table({"day": cal.dates, "is_working": cal.is_working, "ordinal": cal.ordinal})


def run(landing: Path, database: Path, as_of: str, config: dict[str, str]) -> ReferenceResult:
    """Run the reference into `database` (replaced) with the build's DuckDB settings (`Settings.duckdb_config`);
    the time counts everything after connecting."""
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database), config={"threads": 2, **config})
    try:
        started = time.perf_counter()
        con.register("calendar_arrow", _calendar())
        con.execute("create temp table calendar as select day::date as day, is_working, ordinal from calendar_arrow")
        con.execute("create temp table working_days as select day, ordinal from calendar where is_working")
        for statement in statements(landing, as_of):
            con.execute(statement)
        for table in COMPARED:  # the outputs persist, like the marts; the steps before them were temporary
            con.execute(f"create table main.{table} as select * from temp.{table}")
        con.execute("checkpoint")
        seconds = time.perf_counter() - started
        rows = {t: con.execute(f"select count(*) from main.{t}").fetchone()[0] for t in COMPARED}
    finally:
        con.close()
    return ReferenceResult(database, seconds, rows)


def compare(reference: Path, candidate: Path, config: dict[str, str] | None = None) -> dict[str, int]:
    """Rows that differ (either way) between the reference and the dbt marts, per table; empty = equal.
    `config`: DuckDB settings of the comparing connection (the build's memory limit and temp directory)."""
    con = duckdb.connect(config=config or {})
    try:
        con.execute(f"attach '{reference}' as ref (read_only)")
        con.execute(f"attach '{candidate}' as dbt (read_only)")
        differences = {}
        for table, columns in COMPARED.items():
            cols = ", ".join(columns)
            if n := rows_differing(con, f"select {cols} from ref.main.{table}", f"select {cols} from dbt.marts.{table}"):
                differences[table] = n
        return differences
    finally:
        con.close()
