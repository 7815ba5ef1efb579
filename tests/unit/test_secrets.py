"""Outside demo mode (CCHC_DEMO=1) a process refuses to start with a weak PII key or source credential,
naming the variable and never its value (issue 15, item 5)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from cchc.settings import (
    DEMO_DISTRICT_TOKEN,
    DEMO_PII_KEY,
    InsecureSecret,
    Settings,
    SourceCredentials,
    SourceSystem,
)
from extractors.run import extract_endpoint

REAL_KEY = "k3y-from-the-vault-9f2c41aa70d1"


@pytest.fixture
def production(monkeypatch):
    monkeypatch.delenv("CCHC_DEMO", raising=False)
    for name in ("CCHC_PII_KEY", "CCHC_DISTRICT_TOKEN", "CCHC_WARD_API_KEY", "CCHC_DMS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(("value", "why"), [
    (None, "is unset or empty"), ("", "is unset or empty"), ("   ", "is unset or empty"),
    (DEMO_PII_KEY, "is the public DEMO value"), ("change-me", "looks like a placeholder"),
    ("<your key here>", "looks like a placeholder"), ("${PII_KEY}", "looks like a placeholder"),
    ("s3cr3t-short", "is shorter than 16 characters"),
])
def test_weak_pii_key_stops_the_process_naming_the_variable(production, value, why):
    if value is not None:
        production.setenv("CCHC_PII_KEY", value)
    with pytest.raises(InsecureSecret) as err:
        Settings.from_env()
    message = str(err.value)
    assert message.startswith(f"CCHC_PII_KEY {why}")
    assert not value or not value.strip() or value not in message


def test_real_key_starts_outside_demo_mode_and_demo_mode_accepts_the_demo_key(production):
    production.setenv("CCHC_PII_KEY", REAL_KEY)
    settings = Settings.from_env()
    assert settings.pii_key == REAL_KEY and not settings.demo
    production.setenv("CCHC_DEMO", "1")
    production.delenv("CCHC_PII_KEY")
    demo = Settings.from_env()
    assert demo.demo and demo.pii_key == DEMO_PII_KEY


@pytest.mark.parametrize(("credentials", "variable"), [
    (SourceCredentials(), "CCHC_DISTRICT_TOKEN"),
    (SourceCredentials(district_token=""), "CCHC_DISTRICT_TOKEN"),
    (SourceCredentials(district_token="changeme"), "CCHC_DISTRICT_TOKEN"),
])
def test_extraction_refuses_demo_or_empty_source_credentials_before_any_request(tmp_path, credentials, variable):
    settings = replace(Settings(), data_dir=tmp_path, pii_key=REAL_KEY, demo=False, credentials=credentials)
    with pytest.raises(InsecureSecret) as err:  # port 9 (discard): a request would fail differently
        extract_endpoint(SourceSystem.DISTRICT, "units", settings, "http://127.0.0.1:9")
    assert str(err.value).startswith(variable) and DEMO_DISTRICT_TOKEN not in str(err.value)
    assert not (tmp_path / "landing").exists()


def test_extraction_refuses_the_demo_pii_key_when_not_in_demo_mode(tmp_path):
    settings = replace(Settings(), data_dir=tmp_path, demo=False,
                       credentials=SourceCredentials(district_token="district-token-from-the-vault-1"))
    with pytest.raises(InsecureSecret, match="^CCHC_PII_KEY is the public DEMO value"):
        extract_endpoint(SourceSystem.DISTRICT, "units", settings, "http://127.0.0.1:9")


def test_the_cli_says_it_in_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CCHC_DATA_DIR": str(tmp_path), "CCHC_PII_KEY": DEMO_PII_KEY}
    proc = subprocess.run([sys.executable, "-m", "extractors", "extract", "--system", "dms"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "python -m extractors: CCHC_PII_KEY is the public DEMO value: set a real secret (or CCHC_DEMO=1 for the "
        "demo with its public secrets); refusing to start"]
