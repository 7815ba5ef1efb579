"""Superset on the published warehouse: dashboards as code (bundle/), install, configure, import, serve.

`make bi` runs `python -m bi serve`: Superset from the package registry in its own environment, SQLite
metadata under <data>/bi/superset, the bundle imported with Superset's own CLI (`superset
import-dashboards`), and the web server on http://127.0.0.1:8088 (admin password printed, kept in
<data>/bi/superset/admin_password unless SUPERSET_ADMIN_PASSWORD is set).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bi import venv

HERE = Path(__file__).resolve().parent
BUNDLE = HERE / "bundle"
REQUIREMENTS = HERE / "requirements.txt"
DASHBOARD_SLUG = "cchc"
ADMIN = "admin"


@dataclass(frozen=True)
class Home:
    """Where one Superset instance keeps its config, metadata database and secrets."""

    path: Path

    @property
    def config(self) -> Path:
        return self.path / "superset_config.py"

    @property
    def timings(self) -> Path:
        return self.path / "timings.json"

    def secret(self, name: str, env_var: str) -> str:
        """From the environment if set, else generated once and kept (mode 600) in the home."""
        if os.environ.get(env_var):
            return os.environ[env_var]
        path = self.path / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32)))
            path.chmod(0o600)
        return path.read_text().strip()

    def environ(self) -> dict[str, str]:
        return os.environ | {"SUPERSET_CONFIG_PATH": str(self.config), "FLASK_APP": "superset",
                             "SUPERSET_HOME": str(self.path)}


def default_period(warehouse: Path) -> str:
    """The dashboard's default period: the latest quarter (label as the datasets build it)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        end = con.execute("select max(period_end) from marts.rpt_dossier_period where period_type = 'quarter'"
                          ).fetchone()[0]
    finally:
        con.close()
    if end is None:
        raise LookupError(f"{warehouse}: rpt_dossier_period has no quarter to show")
    return f"Quý {('I', 'II', 'III', 'IV')[(end.month - 1) // 3]}/{end.year}"


def build_bundle(warehouse: Path, target: Path) -> Path:
    """Zip the YAML bundle for `superset import-dashboards`, pointing its database at `warehouse`."""
    values = {"${published_uri}": f"duckdb:///{warehouse.absolute()}", "${default_period}": default_period(warehouse)}
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(BUNDLE.rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            for key, value in values.items():
                text = text.replace(key, value)
            zf.writestr(f"cchc_bundle/{path.relative_to(BUNDLE)}", text)
    return target


def write_config(home: Home) -> None:
    home.path.mkdir(parents=True, exist_ok=True)
    secret = home.secret("secret_key", "SUPERSET_SECRET_KEY")
    home.config.write_text(
        "# Written by bi/superset (python -m bi serve); edit the generator, not this file.\n"
        f"SECRET_KEY = {secret!r}\n"
        f"SQLALCHEMY_DATABASE_URI = {('sqlite:///' + str(home.path / 'superset.db'))!r}\n"
        "TALISMAN_ENABLED = False  # local instance on 127.0.0.1\n"
        "WTF_CSRF_ENABLED = True\n"
        "BABEL_DEFAULT_LOCALE = 'en'\n"
        "SUPERSET_WEBSERVER_TIMEOUT = 120\n")


def _run(env: venv.Env, home: Home, *args: str) -> None:
    done = subprocess.run([str(env.bin("superset")), *args], env=home.environ(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"superset {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")


def prepare(home: Home, warehouse: Path) -> dict[str, float]:
    """Install (or reuse) Superset, create its metadata, an admin and import the bundle; returns timings."""
    started = time.monotonic()
    env = venv.ensure("superset", REQUIREMENTS)
    timings = {"install_seconds": round(env.seconds, 1)}
    write_config(home)
    step = time.monotonic()
    _run(env, home, "db", "upgrade")
    _run(env, home, "fab", "create-admin", "--username", ADMIN, "--firstname", "CCHC", "--lastname", "Admin",
         "--email", "admin@localhost", "--password", home.secret("admin_password", "SUPERSET_ADMIN_PASSWORD"))
    _run(env, home, "init")
    timings["metadata_seconds"] = round(time.monotonic() - step, 1)
    step = time.monotonic()
    bundle = build_bundle(warehouse, home.path / "cchc_bundle.zip")
    _run(env, home, "import-dashboards", "-p", str(bundle), "-u", ADMIN)
    timings["import_seconds"] = round(time.monotonic() - step, 1)
    timings["prepare_seconds"] = round(time.monotonic() - started, 1)
    home.timings.write_text(json.dumps(timings))
    return timings


def start(home: Home, host: str = "127.0.0.1", port: int = 8088) -> subprocess.Popen:
    """Superset's web server (gunicorn, as its image runs it), in the background."""
    env = venv.ensure("superset", REQUIREMENTS)
    log = (home.path / "server.log").open("ab")
    return subprocess.Popen(
        [str(env.bin("gunicorn")), "-w", "2", "--threads", "4", "-t", "120", "-b", f"{host}:{port}",
         "superset.app:create_app()"], env=home.environ(), stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 300) -> float:
    """Seconds until GET /health answers OK (raises if the server exits or never answers)."""
    import urllib.request

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"Superset exited with {process.returncode} before answering {url}/health")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"Superset did not answer {url}/health within {timeout:.0f} s")
