"""`python -m simulators.bench --dossiers N`: how fast the simulators build and serve a world.

Measures world build time, then pages through every dossier of both one-stop systems over HTTP
(bytes only, no parsing, so the figure is the server's) and prints pages/s, records/s, peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time

import httpx

from cchc.settings import SourceCredentials, SourceSystem
from simulators.testing import running_simulators
from simulators.world import WorldConfig, build_world


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=5000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    world = build_world(WorldConfig(dossiers=args.dossiers))
    built = time.perf_counter() - started
    creds = SourceCredentials()
    pages = records = 0
    with running_simulators(world=world) as cluster, httpx.Client(timeout=60) as client:
        t0 = time.perf_counter()
        base = cluster.base_url(SourceSystem.DISTRICT)
        page, total_pages = 1, 1
        while page <= total_pages:
            r = client.get(f"{base}/api/v1/hoso", params={"trang": page, "soLuong": args.page_size},
                           headers={"Authorization": f"Bearer {creds.district_token}"})
            body = r.json() if page == 1 else None
            total_pages = body["tongSoTrang"] if body else total_pages
            records += min(args.page_size, body["tongSo"] - (page - 1) * args.page_size) if body else 0
            pages += 1
            page += 1
        district_total = world.con.execute("select count(*) from serve_district_one_stop__dossiers").fetchone()[0]
        base, cursor = cluster.base_url(SourceSystem.WARD), None
        while True:
            params = {"limit": args.page_size, **({"cursor": cursor} if cursor else {})}
            r = client.get(f"{base}/v2/dossiers", params=params, headers={"X-API-Key": creds.ward_api_key})
            pages += 1
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        elapsed = time.perf_counter() - t0
    served = district_total + world.con.execute("select count(*) from serve_ward_one_stop__dossiers").fetchone()[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"world of {args.dossiers:,} dossiers built in {built:.1f} s; served {served:,} dossiers in {pages} pages "
          f"in {elapsed:.1f} s = {pages / elapsed:.1f} pages/s, {served / elapsed:,.0f} dossiers/s; "
          f"peak RSS {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
