"""`python -m simulators.bench --dossiers N`: how fast the simulators build and serve a world.

Starts `python -m simulators serve` in its own process (as in production: the client does not share
its GIL), waits for it, then pages through every dossier of both one-stop systems over HTTP and
prints pages/s, dossiers/s and the simulator's peak RSS. The client only reads bytes (plus the
small envelope), so the figure is the server's.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

import httpx

from cchc.settings import SourceCredentials


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=5000)
    args = parser.parse_args(argv)
    env = {**os.environ, "CCHC_SIM_DISTRICT_PORT": "18701", "CCHC_SIM_WARD_PORT": "18702", "CCHC_SIM_DMS_PORT": "18703"}
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "simulators", "serve", "--dossiers", str(args.dossiers)],
                              env=env, stdout=subprocess.PIPE, text=True)
    try:
        for line in server.stdout:
            if line.startswith("Ctrl-C"):
                break
        built = time.perf_counter() - started
        creds, pages, served = SourceCredentials(), 0, 0
        with httpx.Client(timeout=120) as client:
            t0 = time.perf_counter()
            page, total_pages = 1, 1
            while page <= total_pages:
                r = client.get("http://127.0.0.1:18701/api/v1/hoso", params={"trang": page, "soLuong": args.page_size},
                               headers={"Authorization": f"Bearer {creds.district_token}"})
                head = r.content[:200].decode(errors="ignore")
                total_pages = int(re.search(r'"tongSoTrang":(\d+)', head).group(1))
                served += int(re.search(r'"tongSo":(\d+)', head).group(1)) if page == 1 else 0
                pages, page = pages + 1, page + 1
            cursor = None
            while True:
                params = {"limit": args.page_size, **({"cursor": cursor} if cursor else {})}
                r = client.get("http://127.0.0.1:18702/v2/dossiers", params=params,
                               headers={"X-API-Key": creds.ward_api_key})
                tail = r.content[-300:].decode(errors="ignore")
                served += r.content.count(b'"applicant":')
                pages += 1
                match = re.search(r'"next_cursor":"([^"]+)"', tail)
                if not match:
                    break
                cursor = match.group(1)
            elapsed = time.perf_counter() - t0
        with open(f"/proc/{server.pid}/status") as fh:
            rss = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"world of {args.dossiers:,} dossiers built and served after {built:.1f} s; {served:,} dossiers in {pages} "
          f"pages in {elapsed:.1f} s = {pages / elapsed:.1f} pages/s, {served / elapsed:,.0f} dossiers/s; "
          f"simulator peak RSS {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
