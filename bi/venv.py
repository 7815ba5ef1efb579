"""Separate Python environments from pinned requirement files (an older DuckDB client, Superset).

They must not share the project's .venv: Superset pins SQLAlchemy 1.4 and the client check pins DuckDB 1.1,
both of which conflict with the project's pins. Each lives under .tools/envs/<name>-<hash of requirements>,
so a changed requirements file gets a fresh environment and an unchanged one is reused.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENVS = ROOT / ".tools" / "envs"
# What an unreachable package registry looks like in uv's or pip's output.
OFFLINE_MARKERS = ("dns error", "failed to lookup address", "connection refused", "network is unreachable",
                   "timed out", "failed to fetch", "temporary failure in name resolution",
                   "could not connect")


class RegistryUnreachable(RuntimeError):
    """The package registry could not be reached, so the environment could not be installed."""


@dataclass(frozen=True)
class Env:
    path: Path
    seconds: float  # install time (0 when reused)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name


def _uv() -> list[str]:
    local = ROOT / ".tools" / "bin" / "uv"
    if local.exists():
        return [str(local)]
    found = shutil.which("uv")
    if found:
        return [found]
    raise RuntimeError("uv not found: run `make install` first (it bootstraps .tools/bin/uv)")


def ensure(name: str, requirements: Path) -> Env:
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    path = ENVS / f"{name}-{digest}"
    if (path / ".installed").exists():
        return Env(path, 0.0)
    shutil.rmtree(path, ignore_errors=True)
    start = time.monotonic()
    uv = _uv()
    subprocess.run([*uv, "venv", "-q", "--python", sys.executable, str(path)], check=True)
    done = subprocess.run([*uv, "pip", "install", "-q", "--python", str(path / "bin" / "python"),
                           "-r", str(requirements)], capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(path, ignore_errors=True)
        message = f"installing {requirements.name} into {path} failed:\n{done.stderr[-3000:]}"
        if any(m in done.stderr.lower() for m in OFFLINE_MARKERS):
            raise RegistryUnreachable(message)
        raise RuntimeError(message)
    (path / ".installed").write_text(requirements.read_text())
    return Env(path, time.monotonic() - start)
