"""`python -m warehouse build|audit|publish|rollback|releases` — the warehouse side of the pipeline."""

from __future__ import annotations

import argparse
import sys

from cchc.settings import InsecureSecret, Settings
from extractors.landing import LandingDamaged
from warehouse.build import BuildFailed, build_candidate, candidate_path
from warehouse.pipeline import audit_and_gate, audit_candidate, build_audit_publish
from warehouse.publish import GateFailed, current_release, list_releases, publish, rollback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__)
    parser.add_argument("command", choices=["build", "audit", "publish", "run", "rollback", "releases"])
    parser.add_argument("--full", action="store_true",
                        help="audit every row, not only what changed since the last published audit")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "build":
            result = build_candidate(settings)
            print(f"candidate built in {result.seconds:.1f} s: {result.candidate}")
        elif args.command == "audit":
            result = audit_candidate(settings, full=args.full)
            print(result.summary())
            for check in result.failed + result.warnings:
                print(" ", check.describe())
            return 0 if result.passed else 1
        elif args.command == "publish":
            release = publish(settings, candidate_path(settings), audit_and_gate(settings, full=args.full))
            print(f"published release {release}")
        elif args.command == "run":
            _, audit, release = build_audit_publish(settings)
            print(f"published release {release}: {audit.summary()}")
        elif args.command == "rollback":
            print(f"published release {rollback(settings)} again")
        else:
            current = current_release(settings)
            for name in list_releases(settings):
                print(("* " if name == current else "  ") + name)
    except (GateFailed, LandingDamaged, BuildFailed) as exc:  # the first line names what failed
        print(exc, file=sys.stderr)
        return 1
    except InsecureSecret as exc:
        print(f"python -m warehouse: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
