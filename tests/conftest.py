"""The test suite runs in demo mode: the simulators accept only the public DEMO secrets (cchc/settings.py)."""

import os

os.environ.setdefault("CCHC_DEMO", "1")
