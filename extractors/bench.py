"""`python -m extractors.bench --dossiers N`: end-to-end extraction speed over HTTP.

Starts the simulators in their own process (`python -m simulators serve --dossiers N`), extracts the
dossiers of both one-stop systems (with their nested steps, supplements and apologies) into a
temporary landing zone, and prints dossiers/s and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from cchc.settings import Settings, SimulatorPorts, SourceSystem
from extractors.run import Window, extract_endpoint

PORTS = SimulatorPorts(**{n: int(os.environ.get(f"CCHC_SIM_{n.upper()}_PORT", d)) for n, d in (("district", 18711), ("ward", 18712), ("dms", 18713))})


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, help="landing zone to write (default: a temporary folder)")
    args = parser.parse_args(argv)
    os.environ.setdefault("CCHC_DEMO", "1")  # against the simulators, with their public demo secrets
    env = {**os.environ, "CCHC_SIM_DISTRICT_PORT": str(PORTS.district), "CCHC_SIM_WARD_PORT": str(PORTS.ward),
           "CCHC_SIM_DMS_PORT": str(PORTS.dms)}
    server = subprocess.Popen([sys.executable, "-m", "simulators", "serve", "--dossiers", str(args.dossiers)],
                              env=env, stdout=subprocess.PIPE, text=True)
    try:
        for line in server.stdout:
            if line.startswith("Ctrl-C"):
                break
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="cchc-bench-"))
        settings = replace(Settings.from_env(), data_dir=data_dir, ports=PORTS)
        window = Window(datetime(2000, 1, 1), datetime(2030, 1, 1))
        started = time.perf_counter()
        landed = 0
        for system in (SourceSystem.DISTRICT, SourceSystem.WARD):
            m = extract_endpoint(system, "dossiers", settings, PORTS.base_url(system), window)
            landed += m.counts["written"]
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {"dossiers": landed, "seconds": round(seconds, 2), "records_per_s": round(landed / seconds),
              "peak_rss_bytes": rss}
    print(f"extracted {landed:,} dossiers (+ nested entities) in {seconds:.1f} s = {landed / seconds:,.0f} "
          f"dossiers/s; extractor peak RSS {rss / 2**20:,.0f} MiB")
    return result


if __name__ == "__main__":
    main()
