"""`python -m extractors extract --system all|district_one_stop|ward_one_stop|dms [--start ISO --end ISO]`."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from cchc.settings import InsecureSecret, Settings, SourceSystem
from extractors.http import SourceRequestError, SourceUnavailableError
from extractors.run import CircuitOpen, Window, extract_system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extractors", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="land one or all source systems")
    extract.add_argument("--system", default="all", choices=["all", *(s.value for s in SourceSystem)])
    extract.add_argument("--start", type=datetime.fromisoformat, help="window start (Vietnam local time)")
    extract.add_argument("--end", type=datetime.fromisoformat, help="window end, exclusive")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if (args.start is None) != (args.end is None):
        parser.error("--start and --end go together")
    try:
        settings = Settings.from_env()
        window = Window(args.start, args.end) if args.start else None
        systems = list(SourceSystem) if args.system == "all" else [SourceSystem(args.system)]
        for system in systems:
            for m in extract_system(system, settings, settings.ports.base_url(system), window):
                print(f"{m.system:<18} {m.entity:<16} batch {m.batch_id}  {m.counts}  children={m.children}")
    except (InsecureSecret, SourceRequestError, SourceUnavailableError, CircuitOpen) as exc:  # one line
        print(f"python -m extractors: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
