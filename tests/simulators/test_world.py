"""The generated world: contract of the serving tables, determinism, the clock, scenarios."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest
import yaml

from simulators import report_count
from simulators.contract import ENDPOINTS
from simulators.scenario import SCENARIO_DIR, ScenarioError, load_scenario, parse_scenario
from simulators.world import WorldConfig, build_world


@pytest.fixture(scope="module")
def world():
    return build_world(WorldConfig(dossiers=3000, seed=11))


def records(world, table: str) -> list[dict]:
    return [orjson.loads(r[0]) for r in world.con.execute(f"select _json from {table} order by _rownum").fetchall()]


def test_serving_tables_follow_the_contract(world):
    for endpoint in ENDPOINTS:
        rows = world.con.execute(f"select _rownum, _key, _cursor, _json from {endpoint.table} order by _rownum").fetchall()
        assert rows, endpoint.table
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
        assert len({r[1] for r in rows}) == len(rows)
        assert [(r[2], r[1]) for r in rows] == sorted((r[2], r[1]) for r in rows)
        for _, key, _, text in rows[:50]:
            record = orjson.loads(text)
            assert record[endpoint.key] == key and record[endpoint.cursor_field]


def test_district_dossier_wire_format(world):
    dossier = records(world, "serve_district_one_stop__dossiers")[0]
    datetime.strptime(dossier["NgayTiepNhan"], "%Y%m%d%H%M%S")
    assert dossier["KenhThucHien"] in (1, 2, 3) and 1 <= dossier["TrangThaiHoSo"] <= 10
    assert dossier["MucDo"] in (2, 3, 4) and dossier["SoDienThoai"].startswith("0")
    assert {"QuaTrinhXuLy", "DanhSachHoSoBoSung", "PhieuXinLoi", "DanhGiaHaiLong"} <= set(dossier)


def test_ward_records_use_iso_and_string_enums(world):
    dossiers = records(world, "serve_ward_one_stop__dossiers")
    assert {d["channel"] for d in dossiers} <= {"direct", "online", "postal"}
    assert all(d["updated_at"].endswith("+07:00") for d in dossiers)
    assert all(d["applicant"]["phone"].startswith("+84") for d in dossiers)
    events = records(world, "serve_ward_one_stop__dossier_events")
    assert {e["dossier_id"] for e in events} <= {d["id"] for d in dossiers}


def test_same_seed_same_data():
    a, b = (build_world(WorldConfig(dossiers=800, seed=5)) for _ in range(2))
    c = build_world(WorldConfig(dossiers=800, seed=6))
    dump = "select string_agg(_json, '' order by _rownum) from serve_ward_one_stop__dossiers"
    assert a.con.execute(dump).fetchone() == b.con.execute(dump).fetchone() != c.con.execute(dump).fetchone()


def test_clock_hides_the_future_and_moves_statuses(world):
    late = {d["MaHoSo"]: d for d in records(world, "serve_district_one_stop__dossiers")}
    world.set_as_of(datetime(2024, 3, 1))
    try:
        early = {d["MaHoSo"]: d for d in records(world, "serve_district_one_stop__dossiers")}
        assert set(early) < set(late)
        assert all(d["NgayCapNhat"] < "20240301000000" for d in early.values())
        changed = [k for k in early if early[k]["TrangThaiHoSo"] != late[k]["TrangThaiHoSo"]]
        assert changed and all(late[k]["NgayCapNhat"] > early[k]["NgayCapNhat"] for k in changed)
    finally:
        world.set_as_of(world.config.as_of or datetime(2024, 6, 30, 23, 59, 59))


def test_two_supplement_requests_are_always_late(world):
    twice = [d for d in records(world, "serve_district_one_stop__dossiers")
             if len(d["DanhSachHoSoBoSung"]) == 2 and d["NgayKetThucXuLy"]]
    assert twice  # the world holds finished dossiers with two requests, so the rule below is exercised
    assert all(d["NgayKetThucXuLy"][:8] > d["NgayHenTra"][:8] for d in twice)


@pytest.mark.parametrize(("change", "keys"), [
    ({"one_stop": {"district": {"received": 10, "resolved": {"total": 8, "early_or_on_time": 5, "late": 1}}}},
     "resolved.total, resolved.early_or_on_time, resolved.late"),
    ({"one_stop": {"district": {"received": 10, "online": 8, "postal": 5}}}, "online, postal, received"),
    ({"one_stop": {"district": {"carried_over": 0, "received": 10, "resolved": {"total": 9},
                                "in_progress": {"within_deadline": 2, "overdue": 0}}}}, "carried_over + received"),
    ({"unit": {"code": "003", "wards": 9}}, "unit.wards"),
])
def test_contradictory_scenarios_name_the_keys(change, keys):
    raw = yaml.safe_load((SCENARIO_DIR / "tay-ho-2024q1.yaml").read_text())
    raw.update(change)
    with pytest.raises(ScenarioError, match=keys.replace("+", r"\+").replace(".", r"\.")):
        parse_scenario(raw)


@pytest.mark.parametrize("name", [p.stem for p in sorted(SCENARIO_DIR.glob("*.yaml"))])
def test_scenario_figures_counted_from_served_records(name):
    path = SCENARIO_DIR / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text())
    scenario = load_scenario(path)
    world = build_world(WorldConfig(scenario=scenario, dossiers=4000))
    served = {u["code"] for u in records(world, "serve_ward_one_stop__units")}
    assert set(scenario.ward_codes) <= served
    assert raw["unit"].get("wards", len(scenario.ward_codes)) == len(scenario.ward_codes)
    assert report_count.scenario_mismatches(world.con, scenario) == []


def test_a_ward_can_be_the_scenario_unit():
    raw = yaml.safe_load("""
        name: ward-target
        seed: 3
        province: {code: "01"}
        unit: {code: "00091", level: ward}          # Phường Phú Thượng, Quận Tây Hồ (official list)
        period: {from: 2024-01-01, to: 2024-06-30}
        one_stop:
          wards:
            carried_over: 4
            received: 300
            online: 120
            resolved: {total: 290, late: 3}
            in_progress: {within_deadline: 10, overdue: 4}
            apologies: 5
        procedures:
          - {code: "1.001193", level: wards, carried_over: 0, received: 80, resolved: {total: 80, late: 0}}
        certificates: {personal: 2, organisation: 1}
        documents: {outgoing_electronic: 30, outgoing_paper: 2,
                    signed: {personal_and_organisation: 28, personal_only: 1, none: 1}}
    """)
    scenario = parse_scenario(raw)
    assert (scenario.district_code, scenario.ward_codes) == ("003", ("00091",))
    world = build_world(WorldConfig(scenario=scenario, dossiers=500))
    assert report_count.scenario_mismatches(world.con, scenario) == []
    raw["one_stop"]["district"] = {"received": 1}
    with pytest.raises(ScenarioError, match=r"unit\.level is ward, so one_stop\.district"):
        parse_scenario(raw)


@pytest.mark.parametrize(("unit", "period", "message"), [
    ({"code": "003"}, {"from": "2025-07-01", "to": "2025-09-30"}, r"unit\.level must be ward for a period from 1 July"),
    ({"code": "00001", "level": "ward"}, {"from": "2025-07-01", "to": "2025-12-31"},
     r"unit\.code '00001' is not a commune/ward of province '01' in the list from 1 July 2025"),
    ({"code": "003"}, {"from": "2025-01-01", "to": "2025-12-31"}, r"period 2025-01-01\.\.2025-12-31 spans 1 July 2025"),
])
def test_units_follow_the_1_july_2025_reform(unit, period, message):
    raw = {"name": "reform", "seed": 1, "province": {"code": "01"}, "unit": unit, "period": period,
           "one_stop": {"wards": {"received": 1}}}
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(raw)
