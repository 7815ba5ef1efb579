"""Random scenarios for property tests and `python -m simulators sweep` (needs the dev dependencies).

`consistent()` draws scenario files whose figures obey every identity of FORMAT.md, across provinces,
handling levels, named procedures (from the catalogue or new), period kinds and sizes; each must be
constructible and reproduced exactly. `inconsistent()` breaks one rule of a consistent draw and says
which key the rejection must name. The sweep tries many of both and prints what happened.
"""

from __future__ import annotations

import calendar as months
import time
from collections import Counter
from datetime import date
from functools import lru_cache

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

PROVINCES = ("01", "14", "31", "48", "79", "92")  # Hà Nội, Sơn La, Hải Phòng, Đà Nẵng, TP HCM, Cần Thơ


@lru_cache(maxsize=1)
def _units() -> tuple[tuple[str, str, int], ...]:
    """(province, district, its ward count), (province, ward, 0) and, from 1 July 2025, (province, commune, -1)."""
    from simulators.world.catalog import current_units, legacy_units

    out = []
    for province in PROVINCES:
        units = legacy_units(province)
        for code in units.district_code.unique()[:2]:
            out.append((province, str(code), int((units.district_code == code).sum())))
            out.append((province, str(units.ward_code[units.district_code == code].iloc[-1]), 0))
        out += [(province, str(code), -1) for code in current_units(province).ward_code.iloc[[0, -1]]]
    return tuple(out)


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, tuple[str, ...]]:
    from simulators.world.catalog import procedures

    procs = procedures()
    # a named procedure's late and overdue dossiers received in a month need its duration to fit in the
    # month's working days (15 in a Tết February): longer ones make draws that are rightly impossible
    short = procs.duration <= 7
    return {level: tuple(procs.code[(procs.level == cat) & short])
            for level, cat in (("district", "huyen"), ("wards", "xa"))}


@st.composite
def periods(draw, after_reform: bool = False) -> tuple[date, date]:
    """A report period before 1 July 2025 or, with after_reform, from then on."""
    if after_reform:
        year = draw(st.integers(2026, 2028))
    else:
        year = draw(st.integers(2017, 2025))
    if year == 2025:  # the first half at most: the units changed on 1 July
        kind = draw(st.sampled_from(["month", "quarter", "ytd", "half"]))
        month = draw(st.integers(1, 6))
        if kind == "month":
            return date(year, month, 1), date(year, month, months.monthrange(year, month)[1])
        if kind == "quarter":
            q = draw(st.integers(0, 1))
            return date(year, 3 * q + 1, 1), date(year, 3 * q + 3, months.monthrange(year, 3 * q + 3)[1])
        if kind == "half":
            return date(year, 1, 1), date(year, 6, 30)
        return date(year, 1, 1), date(year, month, months.monthrange(year, month)[1])
    kind = draw(st.sampled_from(["month", "quarter", "ytd", "half", "year"]))
    if kind == "month":
        month = draw(st.integers(1, 12))
        return date(year, month, 1), date(year, month, months.monthrange(year, month)[1])
    if kind == "quarter":
        q = draw(st.integers(0, 3))
        return date(year, 3 * q + 1, 1), date(year, 3 * q + 3, months.monthrange(year, 3 * q + 3)[1])
    if kind == "half":
        h = draw(st.integers(0, 1))
        return date(year, 6 * h + 1, 1), date(year, 6 * h + 6, 30 if h == 0 else 31)
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    n = draw(st.integers(2, 11))  # "7 tháng đầu năm", "9 tháng"
    return date(year, 1, 1), date(year, n, months.monthrange(year, n)[1])


@st.composite
def figures(draw, scale: int, early_carried: bool = True) -> dict[str, int]:
    """Complete consistent figures of one group of dossiers (flat, Figures field names)."""
    early, on_time, late, within, overdue = (draw(st.integers(0, scale)) for _ in range(5))
    total = early + on_time + late + within + overdue
    # an early dossier received before the period needs a procedure of 2+ days (construct.usable)
    carried = draw(st.integers(0, total if early_carried else total - early))
    received = total - carried
    online = draw(st.integers(0, received))
    postal = draw(st.integers(0, received - online))
    resolved = early + on_time + late
    requested = draw(st.integers(0, resolved))
    online_results = draw(st.integers(0, resolved - requested))
    rated = draw(st.integers(0, resolved))
    return {"carried_over": carried, "received": received, "online": online, "postal": postal, "early": early,
            "on_time": on_time, "late": late, "within_deadline": within, "overdue": overdue,
            "postal_requested": requested, "postal_delivered": draw(st.integers(0, requested)),
            "results_online": online_results,
            "apologies": draw(st.integers(0, late + overdue)), "ratings_total": rated,
            "ratings_satisfied": draw(st.integers(0, rated))}


def as_yaml(f: dict[str, int], split: bool = True) -> dict:
    """Flat figures in the scenario file's shape; split=False gives resolved.early_or_on_time only."""
    resolved = {"total": f["early"] + f["on_time"] + f["late"], "late": f["late"]}
    resolved |= {"early": f["early"], "on_time": f["on_time"]} if split else \
        {"early_or_on_time": f["early"] + f["on_time"]}
    return {"carried_over": f["carried_over"], "received": f["received"], "online": f["online"],
            "postal": f["postal"], "resolved": resolved,
            "in_progress": {"within_deadline": f["within_deadline"], "overdue": f["overdue"]},
            "postal_return": {"requested": f["postal_requested"], "delivered": f["postal_delivered"]},
            "results_online": f["results_online"],
            "apologies": f["apologies"], "ratings": {"total": f["ratings_total"], "satisfied": f["ratings_satisfied"]}}


@st.composite
def offering_figures(draw) -> dict[str, int]:
    """Procedures offered on the period's last day by online level (some left to the catalogue's counts);
    up to 150, more than the catalogue holds, so added procedures make up the rest."""
    full, partial, info = (draw(st.integers(0, 150)) for _ in range(3))
    raw = {"full_online": full, "partial_online": partial, "info_only": info}
    if draw(st.booleans()):  # the online total instead of one of its parts
        raw["online"] = full + partial
        raw.pop(draw(st.sampled_from(["full_online", "partial_online"])))
    for key in draw(st.lists(st.sampled_from(sorted(raw)), unique=True, max_size=1)):
        raw.pop(key)
    return raw


_OPTIONAL = ("online", "postal", "postal_return", "results_online", "apologies", "ratings")


@st.composite
def consistent(draw) -> dict:
    """A raw scenario (as YAML would load) that must be constructible and reproduce exactly."""
    province, unit, n_wards = draw(st.sampled_from(_units()))
    start, end = draw(periods(after_reform=n_wards < 0))
    scale = draw(st.sampled_from([3, 30, 200]))
    ward_target = n_wards <= 0
    levels = ("wards",) if ward_target else draw(st.sampled_from([("district",), ("wards",), ("district", "wards")]))
    one_stop, procedures = {}, []
    for level in levels:
        named = draw(st.lists(st.sampled_from(_catalogue()[level] + ("new",)), max_size=2, unique=True))
        total = Counter()
        for i, code in enumerate(named):
            entry = {"level": level}
            if code == "new":
                code = f"9.{900000 + 10 * len(procedures) + i}"
                duration = draw(st.integers(1, 10))
                entry |= {"name": f"Thủ tục thử nghiệm {code}", "field": draw(st.sampled_from(
                    ["Đất đai", "Hộ tịch", "Lĩnh vực thử nghiệm"])), "duration": duration,
                    "online_level": draw(st.sampled_from([2, 3, 4]))}
            else:
                duration = 1  # the catalogue's shortest: early carried-over ones may be impossible
            part = draw(figures(scale, early_carried=duration >= 2))
            total.update(part)
            procedures.append({"code": code, **entry, **as_yaml(part)})
        rest = draw(figures(scale))
        total.update(rest)
        whole = {k: total[k] for k in rest}
        raw = as_yaml(whole, split=draw(st.booleans()))
        for key in draw(st.lists(st.sampled_from(_OPTIONAL), unique=True)):
            raw.pop(key)  # left to the simulator's defaults
        if draw(st.booleans()):  # the total instead of the carried-over figure
            raw["received_total"] = raw.pop("carried_over") + raw["received"]
        one_stop[level] = raw
    empty = all(v.get("received_total", v.get("carried_over", 0) + v["received"]) == 0 for v in one_stop.values())
    scenario = {"name": f"random-{province}-{unit}-{start:%Y%m}-{end:%m}", "seed": draw(st.integers(0, 2**31)),
                "province": {"code": province}, "unit": {"code": unit}, "period": {"from": start, "to": end},
                "background": empty or draw(st.booleans()), "one_stop": one_stop}
    if ward_target:
        scenario["unit"]["level"] = "ward"
    elif draw(st.booleans()):
        scenario["unit"]["wards"] = n_wards
    if procedures:
        scenario["procedures"] = procedures
    if draw(st.booleans()):
        both, personal, unsigned = (draw(st.integers(0, scale)) for _ in range(3))
        scenario["documents"] = {"outgoing_electronic": both + personal + unsigned,
                                 "outgoing_paper": draw(st.integers(0, scale)),
                                 "signed": {"personal_and_organisation": both, "personal_only": personal,
                                            "none": unsigned}}
        if draw(st.booleans()):
            scenario["documents"] |= {"incoming_electronic": draw(st.integers(0, scale)),
                                      "incoming_paper": draw(st.integers(0, scale))}
        if draw(st.booleans()):
            scenario["documents"]["signed"]["by_unit_head"] = draw(st.integers(0, both + personal))
    offering = {level: draw(offering_figures()) for level in levels if draw(st.booleans())}
    if offering:
        scenario["offering"] = offering
    if draw(st.booleans()):
        scenario["certificates"] = {"personal": draw(st.integers(0, 20)), "organisation": draw(st.integers(0, 4))}
    return scenario


def _first_level(raw: dict) -> dict:
    return next(iter(raw["one_stop"].values()))


def _break_total(raw, k):
    level = _first_level(raw)
    level["resolved"]["total"] += k
    return "resolved.total"


def _break_online(raw, k):
    level = _first_level(raw)
    level["online"], level["postal"] = level["received"] + k, 0
    return "online, postal, received"


def _break_handled(raw, k):
    _first_level(raw)["in_progress"]["within_deadline"] += k
    return "carried_over + received"


def _break_postal(raw, k):
    level = _first_level(raw)
    requested = level.setdefault("postal_return", {"requested": 0})["requested"]
    level["postal_return"] = {"requested": requested, "delivered": requested + k}
    return "postal_return.delivered"


def _break_ratings(raw, k):
    level = _first_level(raw)
    total = level.setdefault("ratings", {"total": 0})["total"]
    level["ratings"] = {"total": total, "satisfied": total + k}
    return "ratings.satisfied"


def _break_apologies(raw, k):
    level = _first_level(raw)
    level["apologies"] = level["resolved"]["late"] + level["in_progress"]["overdue"] + k
    return "apologies"


def _break_procedure(raw, k):
    level_name = next(iter(raw["one_stop"]))
    raw.setdefault("procedures", []).append({"code": "9.999999", "name": "Thủ tục vượt tổng", "field": "Hộ tịch",
                                             "level": level_name, "carried_over": 0,
                                             "received": raw["one_stop"][level_name]["received"] + k,
                                             "in_progress": {"overdue": 0}})
    return "procedures[*].received"


def _break_period(raw, k):
    raw["period"]["to"] = date(raw["period"]["from"].year, raw["period"]["from"].month, 10 + k)
    return "period"


def _break_received_total(raw, k):
    level = _first_level(raw)
    carried = level["carried_over"] if "carried_over" in level else level["received_total"] - level["received"]
    level["carried_over"], level["received_total"] = carried, carried + level["received"] + k
    return "received_total"


def _break_results_online(raw, k):
    level = _first_level(raw)
    level["postal_return"] = {"requested": 0, "delivered": 0}
    level["results_online"] = level["resolved"]["total"] + k
    return "results_online"


def _break_wards(raw, k):
    province, unit = raw["province"]["code"], raw["unit"]["code"]
    official = next(n for p, u, n in _units() if (p, u) == (province, unit))
    raw["unit"]["wards"] = max(official, 0) + k
    return "unit.wards"  # for a ward target: unit.wards does not apply


def _break_duration(raw, k):
    """A procedure longer than a month with on-time dossiers received in that month and none carried over."""
    start = raw["period"]["from"]
    raw["period"] = {"from": start.replace(month=2), "to": date(start.year, 2, months.monthrange(start.year, 2)[1])}
    level_name = next(iter(raw["one_stop"]))
    raw["one_stop"][level_name] = {"carried_over": 0, "received": 10 + k,
                                   "resolved": {"total": 10 + k, "early": 0, "on_time": 10 + k, "late": 0}}
    raw["procedures"] = [{"code": "9.888888", "name": "Thủ tục kéo dài", "field": "Đất đai", "level": level_name,
                          "duration": 30 + k, "carried_over": 0, "received": 10 + k,
                          "resolved": {"total": 10 + k, "early": 0, "on_time": 10 + k, "late": 0}}]
    return "resolved.on_time"


def _break_unit_head(raw, k):
    both, personal, none = 3, 2, 1
    raw["documents"] = {"outgoing_electronic": both + personal + none,
                        "signed": {"personal_and_organisation": both, "personal_only": personal, "none": none,
                                   "by_unit_head": both + personal + k}}
    return "documents.signed.by_unit_head"


def _break_offering(raw, k):
    level = next(iter(raw["one_stop"]))
    raw["offering"] = {level: {"online": 10, "full_online": 10 + k}}
    return "online, full_online, partial_online"


BREAKS = (_break_total, _break_online, _break_handled, _break_postal, _break_ratings, _break_apologies,
          _break_procedure, _break_period, _break_wards, _break_duration, _break_received_total,
          _break_results_online, _break_unit_head, _break_offering)


@st.composite
def inconsistent(draw) -> tuple[dict, str]:
    """(raw scenario, a key the rejection must name)."""
    raw = draw(consistent())
    key = draw(st.sampled_from(BREAKS))(raw, draw(st.integers(1, 5)))
    return raw, key


def period_kind(start: date, end: date) -> str:
    from simulators.scenario import period_types

    kinds = period_types(start, end)
    months_ = (end.year - start.year) * 12 + end.month - start.month + 1
    return f"{months_} months from January" if kinds == ["ytd"] else kinds[0]


def attempt(raw: dict, world_dossiers: int = 300) -> tuple[str, str]:
    """(outcome, detail) for a consistent draw: reproduced | rejected | mismatch."""
    from simulators.report_count import scenario_mismatches
    from simulators.scenario import ScenarioError, parse_scenario
    from simulators.world import WorldConfig, build_world

    try:
        scenario = parse_scenario(raw)
        world = build_world(WorldConfig(scenario=scenario, dossiers=world_dossiers))
    except ScenarioError as exc:
        return "rejected", str(exc)
    except Exception as exc:  # noqa: BLE001 - a sweep reports every failure and goes on
        return "error", f"{type(exc).__name__}: {exc}"
    wrong = scenario_mismatches(world.con, scenario)
    return ("mismatch", "; ".join(wrong[:5])) if wrong else ("reproduced", "")


def rejection(raw: dict) -> str | None:
    """The message a scenario is rejected with (by load or by construction), None when it is accepted."""
    from simulators.scenario import ScenarioError, parse_scenario
    from simulators.world import check_scenario

    try:
        check_scenario(parse_scenario(raw))
    except ScenarioError as exc:
        return str(exc)
    return None


def sweep(consistent_n: int, inconsistent_n: int) -> int:
    """Try the draws, print counts and wall time; 0 when every consistent one reproduced and every
    inconsistent one was rejected naming its key."""
    started = time.perf_counter()
    outcomes, examples, reasons, kinds = Counter(), [], Counter(), Counter()
    common = {"database": None, "phases": [Phase.generate], "deadline": None,
              "suppress_health_check": list(HealthCheck)}

    @settings(max_examples=max(1, consistent_n), **common)
    @given(consistent())
    def run_consistent(raw):
        outcome, detail = attempt(raw)
        outcomes[f"consistent {outcome}"] += 1
        after = raw["period"]["from"] >= date(2025, 7, 1)
        unit = raw["unit"].get("level", "district") + (" from 1 July 2025" if after else "")
        kinds[f"{unit}, {period_kind(raw['period']['from'], raw['period']['to'])}"] += 1
        if outcome != "reproduced" and len(examples) < 10:
            examples.append(f"{raw['name']}: {outcome}: {detail}")

    @settings(max_examples=max(1, inconsistent_n), **common)
    @given(inconsistent())
    def run_inconsistent(case):
        raw, key = case
        message = rejection(raw)
        outcome = "accepted" if message is None else ("rejected naming the key" if key in message
                                                      else "rejected, key not named")
        outcomes[f"inconsistent {outcome}"] += 1
        reasons[key] += 1
        if outcome != "rejected naming the key" and len(examples) < 10:
            examples.append(f"{raw['name']} (broken: {key}): {outcome}: {message}")

    for run, n in ((run_consistent, consistent_n), (run_inconsistent, inconsistent_n)):
        if n:
            run()
    elapsed = time.perf_counter() - started
    for key in sorted(outcomes):
        print(f"{key:<42} {outcomes[key]:>6}")
    print(f"{'tried':<42} {sum(outcomes.values()):>6}")
    print(f"wall time {elapsed:.0f} s")
    print("consistent draws by unit and period: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("broken rules tried: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    for line in examples:
        print("  " + line)
    bad = sum(v for k, v in outcomes.items() if k not in ("consistent reproduced", "inconsistent rejected naming the key"))
    return 1 if bad else 0


def end_to_end(n: int, dossiers: int = 500) -> int:
    """n random consistent scenarios through simulators → extractors → dbt, every figure read back from the
    report tables (simulators.end_to_end); prints tried / reproduced / rejected with reasons / wall time.
    0 when every draw reproduced (a consistent draw is never expected to be rejected)."""
    import shutil
    import tempfile
    from pathlib import Path

    from simulators.end_to_end import build_scenario, warehouse_mismatches
    from simulators.scenario import ScenarioError, parse_scenario

    started = time.perf_counter()
    outcomes, details, seconds = Counter(), [], []

    @settings(max_examples=max(1, n), database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(consistent())
    def run(raw):
        # background on: the extractors land nothing for a system that serves no record, and dbt then stops
        raw = raw | {"background": True}
        folder = Path(tempfile.mkdtemp(prefix="cchc-sweep-"))
        one = time.perf_counter()
        try:
            scenario = parse_scenario(raw)
            result = build_scenario(scenario, folder, dossiers=dossiers)
            failed = [r["unique_id"] for r in result.results if r["status"] not in ("success", "pass", "no-op")]
            wrong = warehouse_mismatches(result.candidate, scenario)
            outcome = "dbt failed" if failed else ("mismatch" if wrong else "reproduced")
            detail = "; ".join((failed or wrong)[:5])
        except ScenarioError as exc:
            outcome, detail = "rejected", str(exc)
        except Exception as exc:  # noqa: BLE001 - a sweep reports every failure and goes on
            outcome, detail = "error", f"{type(exc).__name__}: {exc}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        seconds.append(time.perf_counter() - one)
        outcomes[outcome] += 1
        keys = sorted({k for level in raw["one_stop"].values() for k in level} | set(raw) - {"name", "seed"})
        print(f"  {raw['name']}: {outcome} in {seconds[-1]:.0f} s ({', '.join(keys)})", flush=True)
        if outcome != "reproduced":
            details.append(f"{raw['name']}: {outcome}: {detail}")

    run()
    for key in sorted(outcomes):
        print(f"end to end {key:<31} {outcomes[key]:>6}")
    print(f"{'end to end tried':<42} {sum(outcomes.values()):>6}")
    print(f"wall time {time.perf_counter() - started:.0f} s ({sum(seconds) / max(1, len(seconds)):.0f} s a scenario, "
          f"{dossiers} background dossiers each)")
    for line in details:
        print("  " + line)
    return 0 if outcomes and set(outcomes) == {"reproduced"} else 1


if __name__ == "__main__":  # python -m simulators.sweep [--end-to-end N] …, the same as python -m simulators sweep
    import sys

    from simulators.__main__ import main

    sys.exit(main(["sweep", *sys.argv[1:]]))
