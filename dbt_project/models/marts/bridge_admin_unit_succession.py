"""bridge_admin_unit_succession: old unit (before 1 July 2025) → new commune, many-to-many.

From the vietnamadminunits converter data (VAU, data/converter_2025.json). An old commune that went
whole into one new commune has weight 1; one split across several new communes is shared among
them in proportion to the new communes' areas — an approximation (the package gives no overlap
areas) — or equally when an area is unknown; weights of one old unit sum to 1 and none is 0.
The island districts that had no communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) became
special zones (đặc khu) on 1 July 2025 (Resolution 202/2025/QH15 and the NA Standing Committee's
resolutions on the 2025 commune arrangement): their old unit is the district (old_level = district).
"""

import json
import sqlite3
from importlib import resources

from cchc.package_release import holds_release, release_of

SOURCE_RELEASE = release_of("vietnamadminunits")


def model(dbt, session):
    # As dim_admin_unit: an incremental run keeps the bridge of the installed release, replaces another's whole.
    dbt.config(materialized="incremental", incremental_strategy="replace_all", on_schema_change="append_new_columns")
    if dbt.is_incremental and holds_release(session, dbt.this, SOURCE_RELEASE):
        return session.sql(f"select * from {dbt.this} limit 0")
    return succession()


def succession():
    import pandas as pd

    base = resources.files("vietnamadminunits") / "data"
    converter = json.loads((base / "converter_2025.json").read_text(encoding="utf-8"))
    with sqlite3.connect(f"file:{base / 'dataset.db'}?mode=ro", uri=True) as con:
        # a district without communes has an empty ward key in the converter and no ward code
        old = pd.read_sql_query("select provinceKey || '_' || districtKey || '_' || coalesce(wardKey, '') as old_key, "
                                "coalesce(wardCode, districtCode) as old_code, "
                                "case when wardCode is null then 'district' else 'commune' end as old_level "
                                "from admin_units_legacy", con)
        new = pd.read_sql_query("select provinceKey || '_' || wardKey as new_key, wardCode as new_code "
                                "from admin_units", con)
    rows = []
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, old_keys in wards.items():
            rows += [(old_key, f"{province}_{new_ward}", 1.0, False) for old_key in old_keys]
    for province, splits in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in splits.items():
            areas = [t.get("newWardAreaKm2") or 0 for t in targets]
            proportional = all(a > 0 for a in areas)  # else equal shares: never invent an area, never weight 0
            for t, area in zip(targets, areas, strict=True):
                share = area / sum(areas) if proportional else 1 / len(targets)
                rows.append((old_key, f"{province}_{t['newWardKey']}", share, True))
    bridge = pd.DataFrame(rows, columns=["old_key", "new_key", "weight", "is_divided"])
    bridge = bridge.merge(old, on="old_key").merge(new, on="new_key")
    bridge = bridge.groupby(["old_code", "old_level", "new_code"], as_index=False).agg(
        weight=("weight", "sum"), is_divided=("is_divided", "max"))
    bridge["weight"] = bridge["weight"] / bridge.groupby("old_code")["weight"].transform("sum")
    bridge["valid_from"] = pd.Timestamp("2025-07-01").date()
    bridge["source_release"] = SOURCE_RELEASE
    return bridge[["old_code", "old_level", "new_code", "weight", "is_divided", "valid_from", "source_release"]]
