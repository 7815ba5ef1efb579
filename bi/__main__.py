"""python -m bi serve [--port 8088]: Superset with the CCHC dashboards on the published warehouse (make bi).
python -m bi bundle OUT.zip: only build the importable bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from bi import superset
from cchc.settings import Settings
from warehouse.publish import published_path


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bi")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8088)
    bundle = sub.add_parser("bundle")
    bundle.add_argument("out", type=Path)
    args = parser.parse_args()
    settings = Settings.from_env()
    warehouse = published_path(settings)
    if not warehouse.exists():
        raise SystemExit(f"no published warehouse at {warehouse}: run `make demo` first")
    if args.command == "bundle":
        print(superset.build_bundle(warehouse, args.out))
        return
    home = superset.Home(settings.data_dir / "bi" / "superset")
    timings = superset.prepare(home, warehouse)
    server = superset.start(home, args.host, args.port)
    url = f"http://{args.host}:{args.port}"
    timings["start_seconds"] = round(superset.wait_healthy(url, server), 1)
    print(f"Superset {url}/superset/dashboard/{superset.DASHBOARD_SLUG}/  user {superset.ADMIN}, password in "
          f"{home.path / 'admin_password'} (or $SUPERSET_ADMIN_PASSWORD); timings {timings}")
    try:
        server.wait()
    except KeyboardInterrupt:
        server.terminate()


if __name__ == "__main__":
    main()
