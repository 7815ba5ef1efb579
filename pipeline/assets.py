"""Airflow Assets of the pipeline: one per landed source system, and the published warehouse."""

from __future__ import annotations

from airflow.sdk import Asset

from cchc.settings import SourceSystem

LANDING_ASSETS = {system: Asset(name=f"cchc_landing_{system.value}") for system in SourceSystem}
PUBLISHED_WAREHOUSE = Asset(name="cchc_published_warehouse")
