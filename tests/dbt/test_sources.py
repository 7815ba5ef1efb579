"""dbt reads the landing zone through sources that follow the one layout definition (cchc/landing_layout.py)."""

from __future__ import annotations

from dataclasses import replace

import yaml

from cchc.landing_layout import landing_glob, read_landed
from cchc.settings import Settings
from extractors.sources import declared_landing
from warehouse.build import DBT_PROJECT, run_dbt

STAGING = DBT_PROJECT / "models" / "staging"


def dbt_sources() -> dict[tuple[str, str], dict]:
    """(system, entity) → table properties, from every _<system>__sources.yml."""
    found = {}
    for path in sorted(STAGING.glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert path.name == f"_{source['name']}__sources.yml" and path.parent.name == source["name"]
            for table in source["tables"]:
                found[(source["name"], table["name"])] = source | {"table": table}
    return found


def test_every_landed_entity_is_a_dbt_source_and_nothing_else():
    assert set(dbt_sources()) == set(declared_landing())


def test_external_location_is_the_layout_of_cchc_landing_layout():
    meta = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text())["sources"]["cchc_warehouse"]["+meta"]
    root = "/data/landing"
    for system, entity in dbt_sources():
        # dbt-duckdb formats external_location with the source's meta, schema (= source name) and identifier
        rendered = meta["external_location"].format(landing_root=root, schema=system, identifier=entity)
        assert rendered == read_landed(root, system, entity)


def test_freshness_is_declared_for_every_transactional_entity():
    for (system, entity), source in dbt_sources().items():
        assert source["loaded_at_field"] == "_extracted_at", system
        catalogue = source["table"].get("config", {}).get("freshness", "inherited") is None
        assert catalogue == (entity in {"procedures", "procedure_offerings", "units", "organs", "certificates"}), (system, entity)


def test_staging_reads_sources_and_keeps_the_latest_version_by_the_macro():
    for model in sorted(STAGING.glob("*/stg_*.sql")):
        sql = model.read_text()
        assert "source('" in sql and "read_parquet" not in sql and "batch=" not in sql, model.name
        assert "latest_version(" in sql and "row_number()" not in sql, model.name
        assert (model.with_suffix(".yml")).exists(), model.name


def test_every_model_has_a_yml_beside_it_naming_it():
    models = sorted(p for p in (DBT_PROJECT / "models").rglob("*") if p.suffix in {".sql", ".py"})
    assert models
    for model in models:
        beside = model.with_suffix(".yml")
        assert beside.exists(), model
        assert model.stem in [m["name"] for m in yaml.safe_load(beside.read_text())["models"]], beside


def test_a_source_without_a_landed_batch_stops_dbt_naming_it(tmp_path):
    settings = replace(Settings(), data_dir=tmp_path)
    (tmp_path / "warehouse").mkdir()
    proc = run_dbt(settings, "run", "--select", "stg_ward_one_stop__ratings")
    assert proc.returncode != 0
    glob = landing_glob(settings.landing_dir, "ward_one_stop", "ratings")
    assert f"no landed batch for ward_one_stop/ratings under {glob}: run the extractors first" in proc.stdout
