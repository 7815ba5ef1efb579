"""Pre-rendered pages: the extractor's speed measured without the simulator's.

Against the simulators, the extractor's rate includes the simulator's own work (one DuckDB query per
page, on the same two cores). Here the pages are rendered once from a running simulator — requested
exactly as the extractor requests them (its paging classes and window parameters, extractors/
sources.py), so the same bytes, content type and paging (totals, cursor tokens) — and written to a
folder; a trivial HTTP server then replays them (`sendfile`, no per-request work beyond a dict
look-up and the auth header check), so what is measured is the extractor.

`python -m bench.pages --dossiers N [--repeat R] [--compare CHECKOUT]`: starts the simulators with N
dossiers, renders the dossier endpoints of both one-stop systems, starts the page server, then
extracts both endpoints R times against the page server (the extractor's rate) and against the
simulators (simulator included), each extraction in its own process (peak RSS from `wait4`);
`--compare` also runs another checkout's extractor in the same loop (interleaved: before/after
ratios measured side by side). `python -m bench.pages serve DIR` serves a rendered folder.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import orjson
import pyarrow as pa

from cchc.settings import SimulatorPorts, SourceCredentials, SourceSystem

DOSSIER_ENDPOINTS = ((SourceSystem.DISTRICT, "dossiers"), (SourceSystem.WARD, "dossiers"))
INDEX = "index.json"


def query_key(path: str, query: str) -> str:
    """One request's identity whatever the order or encoding of its parameters."""
    return path + "?" + "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(query, keep_blank_values=True)))


# ---- rendering ----------------------------------------------------------------------------------

def render(system: SourceSystem, entity: str, base_url: str, credentials: SourceCredentials,
           window: tuple[datetime, datetime], out: Path, page_size: int | None = None) -> int:
    """Request every page of one endpoint's window as the extractor would; write bodies + index.
    Returns the number of records rendered."""
    from extractors.pagination import Page
    from extractors.sources import SOURCES

    source = SOURCES[system]
    endpoint = source.endpoint(entity)
    size = min(page_size or source.max_page_size, source.max_page_size)
    folder = out / system.value
    folder.mkdir(parents=True, exist_ok=True)
    index_path = folder / INDEX
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    window_params = source.window_query(*window)
    empty = pa.table({})
    records = 0

    with httpx.Client(base_url=base_url, headers=source.auth_headers(credentials), timeout=300) as client:
        def fetch(params: dict) -> Page:
            nonlocal records
            response = client.get(endpoint.path, params={**window_params, **params})
            response.raise_for_status()
            name = f"{entity}-{len(index):05d}.json"
            (folder / name).write_bytes(response.content)
            index[query_key(endpoint.path, response.request.url.query.decode())] = {
                "file": name, "status": response.status_code,
                "content_type": response.headers.get("content-type", "application/json")}
            envelope = orjson.loads(response.content)
            records += len(envelope[source.records_field])
            total, cursor = source.paging.read_envelope(envelope)
            return Page(records=empty, quarantined=[], total=total, next_cursor=cursor)

        # paging drives `fetch`, which saves every page: the pages themselves are not needed here
        for _ in source.paging.pages(fetch, size, prefetch=1):
            continue
    index_path.write_text(json.dumps(index, indent=1))
    return records


def render_dossiers(ports: SimulatorPorts, credentials: SourceCredentials, window: tuple[datetime, datetime],
                    out: Path) -> int:
    return sum(render(system, entity, ports.base_url(system), credentials, window, out)
               for system, entity in DOSSIER_ENDPOINTS)


# ---- serving ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Served:
    path: Path
    status: int
    content_type: str
    length: int


class _PageHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: dict[str, _Served]
    auth: dict[str, str]

    def log_message(self, format, *args):  # quiet, like the simulators
        return

    def do_GET(self):
        parts = urlsplit(self.path)
        if any(self.headers.get(name) != value for name, value in self.auth.items()):
            return self._small(401, {"error": "unauthorized"})
        page = self.pages.get(query_key(parts.path, parts.query))
        if page is None:
            return self._small(404, {"error": f"no pre-rendered page for {parts.path}?{parts.query}"})
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(page.length))
        self.end_headers()
        self.wfile.flush()
        with page.path.open("rb") as body:
            self.connection.sendfile(body)

    def _small(self, status: int, payload: dict) -> None:
        body = orjson.dumps(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def page_server(folder: Path, system: SourceSystem, credentials: SourceCredentials, port: int = 0,
                host: str = "127.0.0.1") -> ThreadingHTTPServer:
    from extractors.sources import SOURCES

    index = json.loads((folder / INDEX).read_text())
    pages = {key: _Served(folder / v["file"], v["status"], v["content_type"], (folder / v["file"]).stat().st_size)
             for key, v in index.items()}
    handler = type(f"{system.name.title()}Pages", (_PageHandler,),
                   {"pages": pages, "auth": SOURCES[system].auth_headers(credentials)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(folder: Path) -> None:
    """Serve every rendered system of `folder` on free ports; print them as JSON, then serve until killed."""
    credentials = SourceCredentials.from_env()
    ports = {}
    for system in SourceSystem:
        if (folder / system.value / INDEX).exists():
            server = page_server(folder / system.value, system, credentials)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            ports[system.value] = server.server_address[1]
    print(json.dumps(ports), flush=True)
    threading.Event().wait()


@dataclass
class PagesProcess:
    """The page server in its own process (so the extractor's measurement is not shared with it)."""

    process: subprocess.Popen
    ports: SimulatorPorts

    @classmethod
    def start(cls, folder: Path) -> PagesProcess:
        process = subprocess.Popen([sys.executable, "-m", "bench.pages", "serve", str(folder)],
                                   stdout=subprocess.PIPE, text=True)
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"page server exited (code {process.wait()}) before serving {folder}")
        bound = json.loads(line)
        return cls(process, SimulatorPorts(district=bound.get("district_one_stop", 0),
                                           ward=bound.get("ward_one_stop", 0), dms=bound.get("dms", 0)))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# ---- measuring ----------------------------------------------------------------------------------

# Runs in a child process, from the checkout under test: both dossier endpoints into a fresh landing zone.
_EXTRACT = """
import json, resource, sys, tempfile, time
from dataclasses import replace
from datetime import datetime
from cchc.settings import Settings, SimulatorPorts, SourceSystem
from extractors.run import Window, extract_endpoint
ports = SimulatorPorts(**json.loads(sys.argv[1]))
window = Window(datetime.fromisoformat(sys.argv[2]), datetime.fromisoformat(sys.argv[3]))
settings = replace(Settings.from_env(), data_dir=__import__("pathlib").Path(sys.argv[4]), ports=ports)
started, landed = time.perf_counter(), 0
cpu = time.process_time()
for system in (SourceSystem.DISTRICT, SourceSystem.WARD):
    landed += extract_endpoint(system, "dossiers", settings, ports.base_url(system), window).counts["written"]
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
n_workers = 0
try:  # worker processes (where the extractor has them): their CPU and peak RSS once they ended
    from extractors import workers
    n_workers = workers._pool.size if workers._pool else 0
    workers._close_shared()
except ImportError:  # a checkout from before worker processes (--compare): none to count
    n_workers = 0
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"dossiers": landed, "seconds": seconds, "main_cpu_seconds": cpu,
                  "workers_cpu_seconds": kids.ru_utime + kids.ru_stime,
                  "main_peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "workers": n_workers, "worker_peak_rss_bytes": kids.ru_maxrss * 1024}))
"""


def extract_once(ports: SimulatorPorts, window: tuple[datetime, datetime], checkout: Path) -> dict:
    """One extraction of both dossier endpoints in a child process run from `checkout`."""
    with tempfile.TemporaryDirectory(prefix="cchc-pages-") as data_dir:
        env = {**os.environ, "PYTHONPATH": str(checkout), "CCHC_DEMO": os.environ.get("CCHC_DEMO", "1")}
        proc = subprocess.Popen([sys.executable, "-c", _EXTRACT,
                                 json.dumps({"district": ports.district, "ward": ports.ward, "dms": ports.dms}),
                                 window[0].isoformat(), window[1].isoformat(), data_dir],
                                cwd=checkout, env=env, stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"extraction from {checkout} failed (exit {os.waitstatus_to_exitcode(status)})")
    result = json.loads(out.strip().splitlines()[-1])
    result["records_per_s"] = result["dossiers"] / result["seconds"]
    result["cpu_us_per_dossier"] = (result["main_cpu_seconds"] + result["workers_cpu_seconds"]) / result["dossiers"] * 1e6
    # the extracting process plus its page workers, each counted at the largest one's peak (they run side by side)
    result["peak_rss_bytes"] = result["main_peak_rss_bytes"] + result["workers"] * result["worker_peak_rss_bytes"]
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulators(dossiers: int, ports: SimulatorPorts) -> subprocess.Popen:
    """The simulators serving a world of `dossiers` on `ports`, once they say they serve."""
    env = {**os.environ, "CCHC_SIM_DISTRICT_PORT": str(ports.district), "CCHC_SIM_WARD_PORT": str(ports.ward),
           "CCHC_SIM_DMS_PORT": str(ports.dms)}
    server = subprocess.Popen([sys.executable, "-m", "simulators", "serve", "--dossiers", str(dossiers)],
                              env=env, stdout=subprocess.PIPE, text=True)
    for line in server.stdout:
        if line.startswith("Ctrl-C"):
            return server
    raise SystemExit(f"the simulators exited (code {server.wait()}) before serving")


WINDOW = (datetime(2000, 1, 1), datetime(2030, 1, 1))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    serve_cmd = sub.add_parser("serve", help="serve a rendered folder on free ports (printed as JSON)")
    serve_cmd.add_argument("folder", type=Path)
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="extractions of each kind (median reported)")
    parser.add_argument("--compare", type=Path, help="another checkout whose extractor runs in the same loop")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.folder)
        return {}
    os.environ.setdefault("CCHC_DEMO", "1")  # against the simulators, with their public demo secrets
    here = Path(__file__).resolve().parents[1]
    checkouts = {"this": here, **({"compare": args.compare.resolve()} if args.compare else {})}
    sim_ports = SimulatorPorts(district=_free_port(), ward=_free_port(), dms=_free_port())
    simulators = start_simulators(args.dossiers, sim_ports)
    runs: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="cchc-rendered-") as folder:
        try:
            rendered = render_dossiers(sim_ports, SourceCredentials.from_env(), WINDOW, Path(folder))
            pages = PagesProcess.start(Path(folder))
            try:
                for _ in range(args.repeat):
                    for name, checkout in checkouts.items():
                        for target, ports in (("pages", pages.ports), ("simulator", sim_ports)):
                            result = extract_once(ports, WINDOW, checkout)
                            runs.setdefault((name, target), []).append(result)
                            print(f"{name:8} vs {target:9}: {result['dossiers']:,} dossiers in "
                                  f"{result['seconds']:.2f} s = {result['records_per_s']:,.0f}/s, "
                                  f"{result['cpu_us_per_dossier']:.1f} µs CPU/dossier, "
                                  f"peak RSS {result['peak_rss_bytes'] / 2**20:,.0f} MiB, "
                                  f"load {os.getloadavg()[0]:.1f}", flush=True)
            finally:
                pages.stop()
        finally:
            simulators.terminate()
            simulators.wait(timeout=60)
    summary = {f"{name}_{target}": {"records_per_s": round(statistics.median(r["records_per_s"] for r in results)),
                                    "seconds": round(statistics.median(r["seconds"] for r in results), 2),
                                    "cpu_us_per_dossier": round(statistics.median(r["cpu_us_per_dossier"]
                                                                                  for r in results), 1),
                                    "peak_rss_bytes": max(r["peak_rss_bytes"] for r in results)}
               for (name, target), results in runs.items()}
    print(f"\n{rendered:,} dossiers rendered; median of {args.repeat}, load average "
          f"{os.getloadavg()[0]:.1f}")
    for key, value in summary.items():
        print(f"  {key:18} {value['records_per_s']:>9,} dossiers/s  {value['seconds']:6.2f} s  "
              f"{value['cpu_us_per_dossier']:5.1f} µs CPU/dossier  peak RSS {value['peak_rss_bytes'] / 2**20:,.0f} MiB")
    if args.compare:
        for target in ("pages", "simulator"):
            ratio = summary[f"this_{target}"]["records_per_s"] / summary[f"compare_{target}"]["records_per_s"]
            print(f"  this / compare against {target}: {ratio:.2f}×")
    return summary


if __name__ == "__main__":
    main()
