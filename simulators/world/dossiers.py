"""One-stop dossiers of both systems: background noise plus, for a scenario, exact report figures.

Scenario figures are met by construction: simulators/world/construct.py solves receipt, pause and
finish days for each report bucket. Everything else about those dossiers (channel, postal return,
ratings, apologies) is then assigned in exact counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cchc.calendar import WorkingCalendar
from simulators.scenario import Figures, ScenarioError
from simulators.world import construct
from simulators.world import lifecycle as lc
from simulators.world.lifecycle import Timeliness

DISTRICT, WARD = "district", "ward"


def _procedure_draw(rng, procedures: pd.DataFrame, level: str, n: int) -> np.ndarray:
    codes = procedures.loc[procedures.level == level].index.to_numpy()
    return rng.choice(codes, n)


def _channels(rng, n: int, online_share: float, postal_share: float) -> np.ndarray:
    return rng.choice(np.array([1, 2, 3]), n, p=[1 - online_share - postal_share, online_share, postal_share])


def frame(system: str, units: np.ndarray, districts: np.ndarray, proc_idx: np.ndarray, channel: np.ndarray,
          life: lc.Lifecycles, n_supp: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "system": system, "unit_code": units, "district_code": districts, "proc_idx": proc_idx,
        "channel": channel, "n_supp": n_supp, "submitted": life.submitted, "received": life.received,
        "due0": life.due0, "due1": life.due1, "due": life.due, "req1": life.req1, "res1": life.res1,
        "req2": life.req2, "res2": life.res2, "finish": life.finish, "returned": life.returned,
        "outcome": life.outcome,
    })


def background(rng, cal: WorkingCalendar, n: int, procedures: pd.DataFrame, wards: pd.DataFrame,
               districts: list[str], start: np.datetime64, end: np.datetime64, as_of: np.datetime64,
               district_share: float = 0.2) -> pd.DataFrame:
    """Random dossiers over the whole world: realistic mix of channels, timeliness, supplements."""
    parts = []
    n_district = int(round(n * district_share))
    for system, count in ((DISTRICT, n_district), (WARD, n - n_district)):
        if count == 0:
            continue
        if system == DISTRICT:
            units = rng.choice(np.array(districts), count)
            parents = units
            proc = _procedure_draw(rng, procedures, "huyen", count)
            channel = _channels(rng, count, 0.6, 0.02)
        else:
            pick = rng.integers(0, len(wards), count)
            units, parents = wards.ward_code.to_numpy()[pick], wards.district_code.to_numpy()[pick]
            proc = _procedure_draw(rng, procedures, "xa", count)
            channel = _channels(rng, count, 0.35, 0.01)
        received = lc.random_receipts(rng, cal, start, end, count)
        timeliness = rng.choice(np.array([0, 1, 2, 4]), count, p=[0.64, 0.27, 0.07, 0.02])
        recent = received > as_of - np.timedelta64(25, "D")
        timeliness = np.where(recent & (rng.random(count) < 0.5), Timeliness.OPEN, timeliness)
        n_supp = rng.choice(np.array([0, 1, 2]), count, p=[0.93, 0.055, 0.015])
        duration = procedures.duration.to_numpy()[proc]
        life = lc.build(rng, cal, received, duration, timeliness, n_supp, channel, as_of)
        parts.append(frame(system, units, parents, proc, channel, life, n_supp))
    return pd.concat(parts, ignore_index=True)


def scenario_level(rng, cal: WorkingCalendar, figures: Figures, system: str, procedures: pd.DataFrame,
                   proc_pool: np.ndarray, unit_codes: np.ndarray, district_code: str, start: np.datetime64,
                   end: np.datetime64, win: construct.Window, where: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Dossiers whose II.06a figures for [start, end] equal `figures` exactly. Returns (frame, bucket).

    Built by solving (simulators/world/construct.py), not by drawing and keeping what fits.
    """
    durations = procedures.duration.to_numpy()
    the_plan = construct.plan(rng, figures, durations[proc_pool], win, where)
    built = construct.build(rng, cal, the_plan, proc_pool, durations, win, start.astype("datetime64[D]"),
                            end.astype("datetime64[D]"))
    n = built.bucket.size
    nat = np.full(n, lc.NAT)
    life = lc.Lifecycles(submitted=built.received, received=built.received, due0=built.due0, due1=built.due1,
                         due=built.due, req1=built.req1, res1=built.res1, req2=nat, res2=nat,
                         finish=built.finish, returned=built.returned, outcome=built.outcome)
    out = frame(system, rng.choice(unit_codes, n), np.full(n, district_code), built.proc_idx, np.ones(n, int), life,
                built.n_supp)
    order = rng.permutation(n)
    out, bucket = out.iloc[order].reset_index(drop=True), built.bucket[order]
    new = np.flatnonzero(bucket < 10)
    # exact channel counts among newly received; carried-over ones keep a random channel
    channel = _channels(rng, len(out), 0.5, 0.0)
    channel[new] = 1
    channel[new[: figures.online]] = 2
    channel[new[figures.online: figures.online + figures.postal]] = 3
    out["channel"] = channel
    received = out.received.to_numpy(dtype="datetime64[s]")
    online = channel == 2
    out["submitted"] = received - np.where(online, rng.integers(600, 60 * 3600, n), rng.integers(0, 900, n)).astype(
        "timedelta64[s]")
    return out, bucket


def assign_extras(rng, cal: WorkingCalendar, dossiers: pd.DataFrame, as_of: np.datetime64) -> pd.DataFrame:
    """Background postal return, ratings, apologies, digitisation and payment flags (random mix)."""
    n = len(dossiers)
    finished = ~dossiers.finish.isna().to_numpy()
    returned = ~dossiers.returned.isna().to_numpy()
    dossiers["return_method"] = np.where(dossiers.channel.to_numpy() == 2,
                                         rng.choice(np.array([1, 3, 2]), n, p=[0.6, 0.35, 0.05]),
                                         rng.choice(np.array([1, 2]), n, p=[0.97, 0.03]))
    dossiers["postal_delivered"] = (dossiers.return_method.to_numpy() == 2) & returned & (rng.random(n) < 0.95)
    finish = dossiers.finish.to_numpy(dtype="datetime64[s]")
    rated = finished & (rng.random(n) < 0.4)
    rated_at = finish + rng.integers(600, 3 * 86400, n).astype("timedelta64[s]")
    dossiers["rated_at"] = np.where(rated & (rated_at <= as_of), rated_at, lc.NAT)
    dossiers["rating"] = rng.choice(np.array([1, 2, 3, 4]), n, p=[0.55, 0.35, 0.07, 0.03])
    due = dossiers.due.to_numpy(dtype="datetime64[D]")
    received = ~dossiers.received.isna().to_numpy()
    finish_day = finish.astype("datetime64[D]")
    late = received & ~np.isnat(due) & (np.isnat(finish_day) | (finish_day > due))
    apology_at = due.astype("datetime64[s]") + np.timedelta64(16 * 3600 + 1800, "s")
    apologise = late & (rng.random(n) < 0.8) & (apology_at <= as_of)
    dossiers["apology_at"] = np.where(apologise, apology_at, lc.NAT)
    dossiers["apology_new_due"] = np.where(apologise, cal.add_working_days(np.where(np.isnat(due), np.datetime64(
        "2020-01-01"), due), rng.integers(2, 8, n)), np.datetime64("NaT", "D"))
    dossiers["has_digitised_inputs"] = rng.random(n) < 0.6
    dossiers["result_digitised"] = finished & (rng.random(n) < 0.7)
    dossiers["paid_online"] = np.where(dossiers.channel.to_numpy() == 2, rng.choice(np.array([0, 1, 2]), n,
                                       p=[0.5, 0.3, 0.2]), 0)
    return dossiers


def scenario_extras(rng, dossiers: pd.DataFrame, bucket: np.ndarray, figures: Figures, start: np.datetime64,
                    end: np.datetime64, where: str) -> None:
    """Exact postal-return, rating and apology counts for the scenario period (in place)."""
    end_s = (end.astype("datetime64[D]") + np.timedelta64(1, "D")).astype("datetime64[s]") - np.timedelta64(1, "s")
    resolved = np.flatnonzero(np.isin(bucket % 10, (0, 1, 2)))
    rng.shuffle(resolved)
    dossiers["return_method"] = np.where(dossiers.channel.to_numpy() == 2, 3, 1)
    dossiers["postal_delivered"] = False
    postal = resolved[: figures.postal_requested]
    dossiers.loc[postal, "return_method"] = 2
    dossiers.loc[postal, "outcome"] = 10
    finish = dossiers.finish.to_numpy(dtype="datetime64[s]")
    dossiers.loc[postal, "returned"] = finish[postal] + np.timedelta64(2 * 3600, "s")
    dossiers.loc[postal[: figures.postal_delivered], "postal_delivered"] = True
    # exactly results_online of the other resolved ones get their result through the portal, online ones first
    others = resolved[figures.postal_requested:]
    others = others[np.argsort(dossiers.channel.to_numpy()[others] != 2, kind="stable")]
    dossiers.loc[others, "return_method"] = 1
    dossiers.loc[others[: figures.results_online], "return_method"] = 3
    rated = resolved[: figures.ratings_total]
    rated_at = np.minimum(finish[rated] + rng.integers(600, 2 * 86400, rated.size).astype("timedelta64[s]"), end_s)
    rated_at = np.maximum(rated_at, finish[rated])
    dossiers["rated_at"] = lc.NAT
    dossiers.loc[rated, "rated_at"] = rated_at
    rating = np.where(np.arange(rated.size) < figures.ratings_satisfied, rng.choice(np.array([1, 2]), rated.size),
                      rng.choice(np.array([3, 4]), rated.size))
    dossiers.loc[rated, "rating"] = rating
    due = dossiers.due.to_numpy(dtype="datetime64[D]")
    candidates = np.flatnonzero(np.isin(bucket % 10, (2, 4)) & (due >= start.astype("datetime64[D]"))
                                & (due <= end.astype("datetime64[D]")))
    if candidates.size < figures.apologies:
        raise ScenarioError(f"{where}: apologies {figures.apologies} exceed the late dossiers due in the period "
                            f"({candidates.size})")
    chosen = rng.choice(candidates, figures.apologies, replace=False)
    dossiers["apology_at"] = lc.NAT
    dossiers["apology_new_due"] = np.datetime64("NaT", "D")
    dossiers.loc[chosen, "apology_at"] = due[chosen].astype("datetime64[s]") + np.timedelta64(16 * 3600, "s")
    dossiers.loc[chosen, "apology_new_due"] = due[chosen] + np.timedelta64(7, "D")
