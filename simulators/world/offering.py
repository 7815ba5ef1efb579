"""Which unit offers which procedure, at which online level, since and until when.

The one-stop systems publish this with their procedure catalogue (docs/source-contracts.md): one row
per unit and online level with effective dates, so that "procedures offered at level 3 and 4" on a
report date is known from the source. Online levels are the systems' MucDo codes (scenario.ONLINE_LEVELS:
4 full online "toàn trình", 3 partial "một phần", 2 information only; Decree 42/2022/NĐ-CP, domain-facts
§3.1).

Background units offer their level's whole catalogue at the catalogue's level, some upgraded from
partial to full online on a date. A scenario's `offering` figures are met exactly on the period's last
day: catalogue procedures first at their own level, then others of the level, then added procedures of
the level ("other procedures"); a procedure beyond the figures stopped being offered during the period.
Drawn from a child generator, so the rest of the world does not change with it.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from simulators.scenario import LEVELS, ONLINE_LEVELS, Scenario

_COLUMNS = ["proc_idx", "unit_code", "online_level", "valid_from", "valid_to"]
_UPGRADED_SHARE = 0.2  # background full-online procedures that were partial before a date


def default_counts(procs: pd.DataFrame, level: str, units: int) -> dict[int, int]:
    """What a level's units offer when the scenario leaves the counts out: the catalogue at its levels."""
    at_level = procs[procs.level == LEVELS[level][0]]
    return {k: int((at_level.online_level == k).sum()) * units for k in ONLINE_LEVELS}


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (i < total % parts) for i in range(parts)]


def _background(rng, procs: pd.DataFrame, units: pd.DataFrame, since: date, until: date) -> list[tuple]:
    rows = []
    for unit in units.itertuples(index=False):
        mine = procs.index[procs.level == unit.catalogue_level]
        for i in mine:
            level = int(procs.online_level[i])
            if level == 4 and rng.random() < _UPGRADED_SHARE:
                upgraded = since + timedelta(days=int(rng.integers(1, max(2, (until - since).days))))
                rows += [(i, unit.code, 3, since, upgraded - timedelta(days=1)), (i, unit.code, 4, upgraded, None)]
            else:
                rows.append((i, unit.code, level, since, None))
    return rows


def _fillers(procs: pd.DataFrame, level: str, online_level: int, n: int) -> pd.DataFrame:
    """n added procedures of a level ("other procedures" of the unit's published list)."""
    cat = LEVELS[level][0]
    taken = set(procs.code)
    codes, k = [], 0
    while len(codes) < n:
        code = f"8.{(10 if cat == 'huyen' else 50) + online_level}{k:04d}"
        k += 1
        if code not in taken:
            codes.append(code)
    fields = procs[["field_code", "field_name"]].drop_duplicates().reset_index(drop=True)
    where = "cấp huyện" if cat == "huyen" else "cấp xã"
    return pd.DataFrame({
        "code": codes, "name": [f"Thủ tục khác {where} số {c}" for c in codes],
        "field_code": [fields.field_code[j % len(fields)] for j in range(n)],
        "field_name": [fields.field_name[j % len(fields)] for j in range(n)],
        "level": cat, "duration": 5, "online_level": online_level, "has_fee": False,
    })


def _assign(procs: pd.DataFrame, pool: list[int], target: dict[int, int]) -> tuple[dict[int, list[int]], list[int]]:
    """Pool procedures per online level: the catalogue's own level first, then other procedures of the level.
    Returns (chosen per level, left over); a level may still lack procedures (added ones make it up)."""
    left = list(pool)
    chosen: dict[int, list[int]] = {}
    for k in ONLINE_LEVELS:
        chosen[k] = [i for i in left if procs.online_level[i] == k][: target[k]]
        left = [i for i in left if i not in chosen[k]]
    for k in ONLINE_LEVELS:
        need = target[k] - len(chosen[k])
        chosen[k] += left[:need]
        left = left[need:]
    return chosen, left


def _scenario_unit(rng, procs: pd.DataFrame, pool: list[int], unit: str, target: dict[int, int], since: date,
                   start: date, end: date, fillers: dict[int, list[int]]) -> list[tuple]:
    """Offer exactly target[k] procedures at level k on `end`; the rest of the pool stopped in the period."""
    chosen, left = _assign(procs, pool, target)
    rows = []
    days = max(1, (end - start).days)
    for k, idx in chosen.items():
        for i in idx + fillers[k][: target[k] - len(idx)]:
            if k == 4 and rng.random() < _UPGRADED_SHARE:  # upgraded within the period: still full on its end
                upgraded = start + timedelta(days=int(rng.integers(1, days + 1)))
                rows += [(i, unit, 3, since, upgraded - timedelta(days=1)), (i, unit, 4, upgraded, None)]
            else:
                rows.append((i, unit, k, since, None))
    for i in left:
        stopped = start + timedelta(days=int(rng.integers(0, days)))  # before the period's last day
        rows.append((i, unit, int(procs.online_level[i]), since, stopped))
    return rows


def offerings(rng, procs: pd.DataFrame, units: pd.DataFrame, scenario: Scenario | None, since: date,
              until: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catalogue with any added procedures, offering rows). `units`: code and catalogue_level per unit."""
    targets: dict[str, dict[str, dict[int, int]]] = {}
    if scenario is not None:
        for level, figures, codes in (("district", scenario.offering_district, [scenario.district_code]),
                                      ("wards", scenario.offering_wards, list(scenario.ward_codes))):
            if figures is None:
                continue
            where = f"scenario {scenario.name} offering.{level}"
            whole = figures.resolve(where, default_counts(procs, level, len(codes)))
            shares = {k: _split(n, len(codes)) for k, n in whole.items()}
            targets[level] = {code: {k: shares[k][j] for k in ONLINE_LEVELS} for j, code in enumerate(codes)}
    scenario_units = {code for unit_targets in targets.values() for code in unit_targets}
    rows = _background(rng, procs, units[~units.code.isin(scenario_units)], since, until)
    for level, unit_targets in targets.items():
        cat = LEVELS[level][0]
        pool = list(procs.index[procs.level == cat])
        added = []
        for k in ONLINE_LEVELS:
            short = max(t[k] - len(_assign(procs, pool, t)[0][k]) for t in unit_targets.values())
            added.append(_fillers(pd.concat([procs, *added], ignore_index=True), level, k, short))
        first = len(procs)
        procs = pd.concat([procs, *added], ignore_index=True)
        fillers = {k: list(procs.index[(np.arange(len(procs)) >= first) & (procs.online_level == k).to_numpy()])
                   for k in ONLINE_LEVELS}
        for code, target in unit_targets.items():
            rows += _scenario_unit(rng, procs, pool, code, target, since, scenario.period_from,
                                   scenario.period_to, fillers)
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    for col in ("valid_from", "valid_to"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
    return procs, frame
