"""Command line: `cchc <command>` (or `python -m cchc`)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cchc", description="CCHC reform-index warehouse tools")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("settings", help="print the effective configuration (secrets redacted)")
    args = parser.parse_args(argv)
    if args.command == "settings":
        from cchc.settings import Settings

        print(Settings.from_env())
    return 0


if __name__ == "__main__":
    sys.exit(main())
