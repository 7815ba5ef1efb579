"""python -m bi.superset WAREHOUSE OUT.zip — build the importable bundle (used inside the Superset image,
which has duckdb but not the project)."""

import sys
from pathlib import Path

from bi.superset import build_bundle

if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(build_bundle(Path(sys.argv[1]), Path(sys.argv[2])))
