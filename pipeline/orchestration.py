"""What the Airflow tasks call: source connections → extractor settings, windows, gate handoff.

Kept out of dags/ so DAG files stay thin and nothing heavy is imported at parse time.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path

from cchc.clock import to_local
from cchc.settings import Settings, SourceSystem

CONNECTION_IDS = {
    SourceSystem.DISTRICT: "cchc_district_one_stop",
    SourceSystem.WARD: "cchc_ward_one_stop",
    SourceSystem.DMS: "cchc_dms",
}
WRITER_POOL = "duckdb_writer"  # one slot: DuckDB allows one writer process per file


def settings_with_connection(system: SourceSystem, connection) -> tuple[Settings, str]:
    """Base URL and credentials of a source from its Airflow connection (never from code)."""
    settings = Settings.from_env()
    base_url = f"{connection.conn_type or 'http'}://{connection.host}:{connection.port}"
    creds = settings.credentials
    if system is SourceSystem.DISTRICT:
        creds = replace(creds, district_token=connection.password or creds.district_token)
    elif system is SourceSystem.WARD:
        creds = replace(creds, ward_api_key=connection.password or creds.ward_api_key)
    else:
        creds = replace(creds, dms_user=connection.login or creds.dms_user,
                        dms_password=connection.password or creds.dms_password)
    return replace(settings, credentials=creds), base_url


def extract(system: SourceSystem, connection, interval_start, interval_end, exact_window: bool) -> list[dict]:
    """Land a source. Scheduled runs read from the high-water mark (minus look-back) up to the run's
    interval end; backfills and `exact_window` runs read exactly their data interval."""
    from extractors.run import Window, extract_system

    settings, base_url = settings_with_connection(system, connection)
    window = Window(to_local(interval_start), to_local(interval_end)) if exact_window else None
    manifests = extract_system(system, settings, base_url, window, end=to_local(interval_end))
    return [asdict(m) for m in manifests]


def month_chunks(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at calendar-month boundaries: a long backfill lands one batch per month, the same
    batches whichever run (or re-run) lands them."""
    chunks, cursor = [], start
    while cursor < end:
        following = datetime(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        chunks.append((cursor, min(following, end)))
        cursor = chunks[-1][1]
    return chunks


def extract_long_window(system: SourceSystem, connection, window_start: str, window_end: str) -> list[dict]:
    """Backfill at the right grain: one run lands [window_start, window_end) (Vietnam local time, ISO
    dates or datetimes), month by month, instead of one hourly run per hour of the interval."""
    from extractors.run import Window, extract_system

    if not (window_start and window_end):
        raise ValueError(f"backfill of {system.value} needs both window_start and window_end, "
                         f"got {window_start!r} .. {window_end!r}")
    start, end = datetime.fromisoformat(window_start), datetime.fromisoformat(window_end)
    if end <= start:
        raise ValueError(f"backfill window of {system.value} is empty or reversed: {window_start} .. {window_end}")
    settings, base_url = settings_with_connection(system, connection)
    manifests = []
    for chunk_start, chunk_end in month_chunks(start, end):
        manifests += extract_system(system, settings, base_url, Window(chunk_start, chunk_end))
    return [asdict(m) for m in manifests]


def gated_audit_file(settings: Settings, run_id: str) -> Path:
    """Where the audit task leaves its gated audit for the publish task of the same run."""
    return settings.data_dir / "audits" / f"{run_id.replace(':', '_').replace('+', '_')}.json"


def audit_and_gate(run_id: str) -> str:
    """Audit the candidate (read-only), write the HTML report and pass the gate or raise; saves the gated
    audit for the publish task (the gate is evaluated here only)."""
    from warehouse.pipeline import audit_and_gate as gate_candidate

    settings = Settings.from_env()
    path = gated_audit_file(settings, run_id)
    return str(gate_candidate(settings, name=path.stem).save(path))


def publish_audited(audit_path: str, run_id: str) -> str:
    """Publish the candidate the saved audit passed; returns the release id."""
    from pipeline.dbt_tasks import dbt_mode
    from warehouse.build import candidate_path
    from warehouse.publish import GatedAudit, publish

    settings = Settings.from_env()
    return publish(settings, candidate_path(settings), GatedAudit.load(Path(audit_path)),
                   dbt_summary={"run_id": run_id, "orchestrated_by": f"airflow, dbt mode {dbt_mode()}"})
