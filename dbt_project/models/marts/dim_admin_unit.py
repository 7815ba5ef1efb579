"""dim_admin_unit: administrative units as a history, from the official lists shipped by vietnamadminunits.

Before 1 July 2025: province / district / commune (63 provinces). From 1 July 2025: province / commune
(34 provinces, 3,321 communes; Resolution 202/2025/QH15, Decision 19/2025/QĐ-TTg). One row per unit
version; a code can be reused by a new unit, so the key is (unit_code, valid_from). The package's
legacy list gives no start date for the pre-reform units: their valid_from is null (unknown), not an
invented date; valid_to = 30 June 2025 is known (the reform). Post-reform units start 1 July 2025.
"""

import sqlite3
from datetime import date
from importlib import resources

from cchc.package_release import holds_release, release_of

REFORM = date(2025, 7, 1)
UNKNOWN = None  # the legacy list carries no validity start
SOURCE_RELEASE = release_of("vietnamadminunits")


def model(dbt, session):
    # The list changes only with the package: an incremental run whose table holds this release's list keeps it
    # (strategy replace_all, macros/replace_all.sql); another release's list is replaced whole.
    dbt.config(materialized="incremental", incremental_strategy="replace_all", on_schema_change="append_new_columns")
    if dbt.is_incremental and holds_release(session, dbt.this, SOURCE_RELEASE):
        return session.sql(f"select * from {dbt.this} limit 0")
    return official_units()


def official_units():
    import pandas as pd

    path = resources.files("vietnamadminunits") / "data" / "dataset.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        legacy = pd.read_sql_query(
            "select provinceCode, province, districtCode, district, wardCode, ward from admin_units_legacy", con)
        current = pd.read_sql_query("select provinceCode, province, wardCode, ward from admin_units", con)
    old_end, new_start = date(2025, 6, 30), REFORM
    frames = [
        legacy[["provinceCode", "province"]].drop_duplicates().set_axis(["unit_code", "unit_name"], axis=1)
        .assign(level="province", parent_code=None, valid_from=UNKNOWN, valid_to=old_end),
        legacy[["districtCode", "district", "provinceCode"]].drop_duplicates()
        .set_axis(["unit_code", "unit_name", "parent_code"], axis=1)
        .assign(level="district", valid_from=UNKNOWN, valid_to=old_end),
        legacy[["wardCode", "ward", "districtCode"]].drop_duplicates()
        .set_axis(["unit_code", "unit_name", "parent_code"], axis=1)
        .assign(level="commune", valid_from=UNKNOWN, valid_to=old_end),
        current[["provinceCode", "province"]].drop_duplicates().set_axis(["unit_code", "unit_name"], axis=1)
        .assign(level="province", parent_code=None, valid_from=new_start, valid_to=None),
        current[["wardCode", "ward", "provinceCode"]].drop_duplicates()
        .set_axis(["unit_code", "unit_name", "parent_code"], axis=1)
        .assign(level="commune", valid_from=new_start, valid_to=None),
    ]
    units = pd.concat(frames, ignore_index=True)
    # the list has a few placeholder rows without a code (e.g. island districts without communes)
    units = units[units.unit_code.notna()].drop_duplicates(["unit_code", "valid_from"])
    units["valid_to"] = pd.to_datetime(units["valid_to"]).dt.date
    units["valid_from"] = pd.to_datetime(units["valid_from"]).dt.date
    units["source_release"] = SOURCE_RELEASE
    return units[["unit_code", "unit_name", "level", "parent_code", "valid_from", "valid_to", "source_release"]]
