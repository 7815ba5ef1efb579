"""Resume inside a half-finished window across a process restart (issue 15, item 7): the extractor is
killed (SIGKILL, a real process) in the middle of an endpoint; the next run continues the same window
from its last committed page (page number) or cursor token (cursor), not from the first page, and the
window ends up whole and sound."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from cchc.settings import SourceSystem
from extractors import run as run_module
from extractors.config import ExtractConfig
from extractors.integrity import check_landing
from extractors.run import extract_endpoint
from extractors.state import ResumeStore
from simulators.http.faults import FaultConfig
from tests.extractors.test_extract import landed, world_keys

CONFIG = ExtractConfig(read_timeout_s=5.0, page_size=25, checkpoint_pages=2, prefetch_pages=1)
CHILD = """
import sys
from dataclasses import replace
from pathlib import Path
from cchc.settings import Settings, SourceSystem
from extractors.config import ExtractConfig
from extractors.run import extract_endpoint
settings = replace(Settings.from_env(), data_dir=Path(sys.argv[1]), pii_key="test-pii-key")
extract_endpoint(SourceSystem(sys.argv[2]), sys.argv[3], settings, sys.argv[4],
                 config=ExtractConfig(read_timeout_s=5.0, page_size=25, checkpoint_pages=2, prefetch_pages=1))
"""


@pytest.mark.parametrize(("system", "entity", "key", "table"), [
    (SourceSystem.WARD, "dossiers", "id", "serve_ward_one_stop__dossiers"),
    (SourceSystem.DISTRICT, "dossiers", "MaHoSo", "serve_district_one_stop__dossiers"),
])
def test_a_killed_extraction_resumes_from_its_last_committed_page(cluster, settings, monkeypatch, system, entity,
                                                                    key, table):
    url = cluster.base_url(system)
    cluster.set_faults(FaultConfig(slow=1.0, slow_seconds=0.1))  # every page takes 0.1 s: the kill lands mid-window
    store = ResumeStore(settings.state_dir, system.value, entity)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.data_dir), system.value, entity, url],
                             env={**os.environ, "CCHC_DEMO": "1"})
    deadline = time.monotonic() + 60
    while (saved := store.load()) is None or len(saved.batches) < 3:
        assert child.poll() is None and time.monotonic() < deadline, "the child finished before it was killed"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    saved = store.load()  # the last resume point the child saved before it died
    landed_before = set(landed(settings, system, entity, key))
    assert landed_before and landed_before < world_keys(cluster.world, table)

    cluster.set_faults(FaultConfig())
    requests: list[dict] = []
    real_get = run_module.SourceClient.get
    monkeypatch.setattr(run_module.SourceClient, "get",
                        lambda self, path, params, parse: requests.append(params) or real_get(self, path, params, parse))
    manifest = extract_endpoint(system, entity, settings, url, config=CONFIG)

    first = requests[0]
    if system is SourceSystem.WARD:
        assert saved.resume.cursor and first["cursor"] == saved.resume.cursor  # the token of the last landed page
    else:
        assert saved.resume.index >= 6 and first["trang"] == saved.resume.index + 1  # not page 1
    assert (first["updated_after" if system is SourceSystem.WARD else "tuNgay"]
            == requests[-1]["updated_after" if system is SourceSystem.WARD else "tuNgay"])  # the same window
    assert manifest.complete
    assert set(landed(settings, system, entity, key)) == world_keys(cluster.world, table)
    assert store.load() is None  # the window is finished
    assert check_landing(settings) == []
    batches = sorted(p.name for p in (settings.landing_dir / system.value / entity).glob("batch=*"))
    assert len(batches) > 3 and all(b.startswith(f"batch={saved.window[0]:%Y%m%dT%H%M%S}") for b in batches)


def test_a_resume_token_the_source_no_longer_honours_restarts_the_window(cluster, settings):
    """The ward API's tokens expire when its data changes (HTTP 400): the window is paged from its start."""
    from extractors.pagination import Resume
    from extractors.state import SavedResume

    url = cluster.base_url(SourceSystem.WARD)
    window = run_module.incremental_window(SourceSystem.WARD, "dossiers", settings, CONFIG)
    store = ResumeStore(settings.state_dir, "ward_one_stop", "dossiers")
    store.save(SavedResume((window.start, window.end), Resume(cursor="bm90LWEtdG9rZW4"), (), 4, 1))
    extract_endpoint(SourceSystem.WARD, "dossiers", settings, url, config=replace(CONFIG, checkpoint_pages=1000))
    assert set(landed(settings, SourceSystem.WARD, "dossiers", "id")) == world_keys(
        cluster.world, "serve_ward_one_stop__dossiers")
    assert store.load() is None
