"""Headless Chromium for the browser tests: Debian's `chromium` package, driven through Playwright.

Playwright is only the driver here; it never downloads a browser of its own (`executable_path`), so the
tests need the distribution's package (`make browser` installs it with apt-get where apt exists).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> Path | None:
    configured = os.environ.get("CCHC_CHROMIUM")
    if configured:
        return Path(configured)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


@contextmanager
def page(width: int = 1400, height: int = 900):
    """A fresh browser page (one browser per use: tests stay independent)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("no Chromium found (install Debian's `chromium`: make browser)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(executable), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield browser.new_page(viewport={"width": width, "height": height}, locale="vi-VN")
        finally:
            browser.close()
