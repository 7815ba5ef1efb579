"""`python -m scoring score|list|official|scorecards` — yearly CCHC index scoring (docs/scoring.md).

  score --year 2024 [--rubric qd766-2022] [--official]   freeze the year's scores of the published
                                                         warehouse into a new snapshot + scorecards
  list                                                   every snapshot, official ones marked
  official SNAPSHOT [--reason TEXT]                      make a snapshot the official one of its year
  scorecards SNAPSHOT                                    (re)write a snapshot's HTML pages and XLSX
"""

from __future__ import annotations

import argparse
import sys

from cchc.settings import Settings
from scoring import DEFAULT_RUBRIC


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="freeze one year's scores into a new snapshot")
    score.add_argument("--year", type=int, required=True)
    score.add_argument("--rubric", default=DEFAULT_RUBRIC, help=f"rubric version (default {DEFAULT_RUBRIC})")
    score.add_argument("--official", action="store_true", help="mark the new snapshot official")
    score.add_argument("--by", help="who scores (default: the OS user)")
    score.add_argument("--no-scorecards", action="store_true")
    commands.add_parser("list", help="list snapshots")
    official = commands.add_parser("official", help="mark a snapshot official for its year and rubric")
    official.add_argument("snapshot")
    official.add_argument("--by")
    official.add_argument("--reason")
    cards = commands.add_parser("scorecards", help="write a snapshot's scorecards")
    cards.add_argument("snapshot")
    args = parser.parse_args(argv)

    from scoring.scorecards import write_scorecards
    from scoring.snapshots import ScoringError, list_snapshots, mark_official, score_year

    settings = Settings.from_env()
    try:
        if args.command == "score":
            snapshot = score_year(settings, args.year, rubric_version=args.rubric, official=args.official, by=args.by)
            print(f"snapshot {snapshot}{' (official)' if args.official else ''}")
            if not args.no_scorecards:
                print(f"scorecards in {write_scorecards(settings, snapshot)}")
        elif args.command == "list":
            for s in list_snapshots(settings):
                flag = "*" if s["official"] else " "
                print(f"{flag} {s['snapshot_id']}  year {s['year']}  rubric {s['rubric_version']}  "
                      f"release {s['release_id']}  by {s['created_by']}  {s['unit_rows']} unit rows")
        elif args.command == "official":
            mark_official(settings, args.snapshot, by=args.by, reason=args.reason)
            print(f"{args.snapshot} is now the official snapshot of its year and rubric")
        else:
            print(f"scorecards in {write_scorecards(settings, args.snapshot)}")
    except ScoringError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
