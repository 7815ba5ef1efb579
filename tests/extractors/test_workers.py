"""Pages prepared in worker processes (extractors/workers.py) land exactly what the run's own process
lands; a lost worker fails its page instead of hanging the run; a killed run leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime

import duckdb
import psutil
import pytest

from cchc.settings import SourceSystem
from extractors.integrity import check_landing
from extractors.run import Window, extract_endpoint
from extractors.workers import WorkerLost, WorkerPool
from simulators.http.faults import FaultConfig
from tests.extractors.conftest import FAST_RETRY

IN_WORKERS = replace(FAST_RETRY, parse_workers=2, worker_min_bytes=0)
HERE = replace(FAST_RETRY, parse_workers=0)
ENTITIES = {SourceSystem.DISTRICT: ("dossiers", "processing_steps", "supplement_requests", "apology_letters"),
            SourceSystem.WARD: ("dossiers", "supplement_requests", "apology_letters")}


def _landed(settings, system: SourceSystem, entity: str) -> tuple[list, list]:
    glob = settings.landing_dir / system.value / entity / "batch=*" / "part-*.parquet"
    con = duckdb.connect()
    schema = con.execute(f"describe select * from read_parquet('{glob}')").fetchall()
    rows = con.execute(f"select * exclude (_extracted_at) from read_parquet('{glob}') order by all").fetchall()
    return schema, rows


@pytest.mark.parametrize("system", [SourceSystem.DISTRICT, SourceSystem.WARD])
def test_pages_prepared_in_workers_land_the_same_rows_and_columns(cluster, settings, system):
    url = cluster.base_url(system)
    a, b = replace(settings, data_dir=settings.data_dir / "workers"), replace(settings, data_dir=settings.data_dir / "here")
    window = Window(datetime(2000, 1, 1), datetime(2030, 1, 1))  # one batch id for both
    in_workers = extract_endpoint(system, "dossiers", a, url, window, IN_WORKERS)
    here = extract_endpoint(system, "dossiers", b, url, window, HERE)
    assert in_workers.counts == here.counts and in_workers.counts["written"] > FAST_RETRY.page_size  # pages
    for entity in ENTITIES[system]:
        schema, rows = _landed(a, system, entity)
        assert (schema, rows) == _landed(b, system, entity), entity
        assert rows
    assert check_landing(a) == [] and check_landing(b) == []
    parts = list((a.landing_dir / system.value / "dossiers").glob("batch=*/part-*.parquet"))
    assert len(parts) == 1  # the batch's pages gathered into one part (FAST_RETRY pages hold 300 records)


def test_a_lost_worker_fails_its_page_and_the_later_ones_instead_of_hanging():
    pool = WorkerPool(1)
    try:
        lost = pool.submit(os._exit, 3)
        later = pool.submit(os.getpid)
        with pytest.raises(WorkerLost):
            lost.result(timeout=30)
        with pytest.raises(WorkerLost):
            later.result(timeout=30)
        assert not pool.alive
    finally:
        pool.close()


CHILD = """
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from cchc.settings import Settings, SourceSystem
from extractors.config import ExtractConfig
from extractors.run import Window, extract_endpoint
settings = replace(Settings.from_env(), data_dir=Path(sys.argv[1]), pii_key="test-pii-key")
extract_endpoint(SourceSystem.WARD, "dossiers", settings, sys.argv[2],
                 config=ExtractConfig(page_size=50, parse_workers=2, worker_min_bytes=0))
"""


def test_a_killed_run_leaves_no_worker_behind(cluster, settings):
    cluster.set_faults(FaultConfig(slow=1.0, slow_seconds=0.1))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.data_dir), cluster.base_url(SourceSystem.WARD)],
                             env={**os.environ, "CCHC_DEMO": "1"})
    deadline = time.monotonic() + 60
    while len(workers := psutil.Process(child.pid).children()) < 2:
        assert child.poll() is None and time.monotonic() < deadline, "the run ended before its workers started"
        time.sleep(0.05)
    time.sleep(0.5)  # pages in flight
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    gone, alive = psutil.wait_procs(workers, timeout=15)
    assert alive == [] and len(gone) == 2
