"""The DuckDB memory limit and temp directory have one home, cchc.settings; dbt gets them from it."""

from __future__ import annotations

import re
from pathlib import Path

from cchc.settings import DEFAULT_DUCKDB_MEMORY_LIMIT, Settings
from warehouse.build import dbt_env

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"


def test_the_profile_fallback_is_the_settings_default():
    fallback = re.search(r"env_var\('CCHC_DUCKDB_MEMORY_LIMIT', '([^']+)'\)", PROFILES.read_text()).group(1)
    assert fallback == DEFAULT_DUCKDB_MEMORY_LIMIT


def test_settings_reach_dbt(monkeypatch, tmp_path):
    monkeypatch.setenv("CCHC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CCHC_DEMO", "1")
    monkeypatch.setenv("CCHC_DUCKDB_MEMORY_LIMIT", "3GB")
    monkeypatch.delenv("CCHC_DUCKDB_TEMP_DIR", raising=False)
    settings = Settings.from_env()
    env = dbt_env(settings)
    assert env["CCHC_DUCKDB_MEMORY_LIMIT"] == "3GB" == settings.duckdb_config["memory_limit"]
    assert env["CCHC_DUCKDB_TEMP_DIR"] == str(tmp_path / "warehouse" / "duckdb_tmp")
    monkeypatch.setenv("CCHC_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    assert dbt_env(Settings.from_env())["CCHC_DUCKDB_TEMP_DIR"] == str(tmp_path / "spill")
