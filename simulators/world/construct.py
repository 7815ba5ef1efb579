"""Scenario dossiers by construction: receipt, pause and finish days solved for each report bucket.

Everything is counted in working-day ordinals of cchc.calendar (ordinal k = the k-th working day).
For a period whose first working day is `first` and last is `last`, a dossier received on working
day r (during counter hours, so it counts from r), with a statutory duration of d working days and a
supplement pause of w working days (requested on r + 1, answered on r + 1 + w; the source extends the
due date by the wait), is due on r + d + w. Each II.06a bucket is a set of linear constraints on
(r, d, w, f) — f the finish day — and for each one this module knows when it can be met and picks
values inside it:

    bucket                 received in the period (r >= first)   received before it (r < first)
    resolved.early         f in [r, due-1], f <= last            f in [first, due-1]: needs d >= 2
    resolved.on_time       f = due <= last: d <= P-1             r = first - d: always
    resolved.late          due < f <= last: d <= P-2             f = first > due: always
    in_progress.within     r near last, due >= period end        pause long enough: always
    in_progress.overdue    due < period end: d <= P'-1           r early enough: always

with P the working days of the period and P' those before its end date. So the only impossible
sets are those that put too many dossiers in a bucket that cannot hold new ones while carried_over
is too small, or into a bucket that cannot hold carried-over ones while carried_over is too large;
`plan` says which, naming the keys.

Rules kept so that the bucket does not depend on a reading of the rules that differs between
versions of the warehouse: at most one supplement request (Decision 766/QĐ-TTg counts two or more as
late), every finished dossier has a finish time and a completion state of processed (9) or returned
(10), due dates equal the statutory computation (receipt + working days, a receipt after 17:00
counting from the next working day, plus the supplement wait: the new due date is the old one plus
the time from request to resumption — DVCAPI CaculateTime.cs, as recorded in the project's domain
facts 3.3), and no overdue dossier is waiting for a supplement at period end (form II.06a counts
dossiers awaiting a supplement inside the on-time groups).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import numpy as np

from cchc.calendar import WorkingCalendar
from simulators.scenario import Figures, ScenarioError
from simulators.world import lifecycle as lc

EARLY, ON_TIME, LATE, WITHIN, OVERDUE = range(5)
BUCKET_KEYS = ("resolved.early", "resolved.on_time", "resolved.late", "in_progress.within_deadline",
               "in_progress.overdue")
_NAT_S = np.datetime64("NaT", "s")
_NAT_D = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class Window:
    """A report period in working-day ordinals."""

    first: int  # first working day on or after the period start
    last: int  # last working day on or before the period end
    end_plus: int  # first working day on or after the period end date (due >= end: within deadline)
    end_minus: int  # last working day before the period end date (due <= it: overdue)
    world_last: int  # last working day of the simulated world (nothing finishes after it)

    @property
    def working_days(self) -> int:
        return max(0, self.last - self.first + 1)

    @property
    def before_end(self) -> int:
        """Working days of the period strictly before its end date."""
        return max(0, self.end_minus - self.first + 1)


def window(cal: WorkingCalendar, start: date, end: date, world_end: date) -> Window:
    def ordinal(day: date) -> int:
        return int(cal.ordinal[(np.datetime64(day, "D") - cal.dates[0]).astype("int64")])

    before_start = ordinal(start) - int(cal.is_working_day(np.array([np.datetime64(start, "D")]))[0])
    before_end = ordinal(end) - int(cal.is_working_day(np.array([np.datetime64(end, "D")]))[0])
    return Window(first=before_start + 1, last=ordinal(end), end_plus=before_end + 1, end_minus=before_end,
                  world_last=ordinal(world_end))


def usable(bucket: int, carried: bool, durations: np.ndarray, win: Window) -> tuple[np.ndarray, str]:
    """Which procedure durations can put a dossier in this bucket, and why none can (when so)."""
    p = win.working_days
    d = np.asarray(durations)
    everything = np.ones(d.size, bool)
    no_days = "the period has no working day"
    shortest = int(d.min()) if d.size else 0
    if not carried and p == 0:
        return ~everything, f"dossiers received in the period need a working day in it, and {no_days}"
    if bucket == EARLY:
        if p == 0:
            return ~everything, no_days
        if carried:
            return d >= 2, ("an early dossier received before the period needs a procedure of 2 working days or "
                            "more, and the level's procedures all take 1")
        return everything, ""
    if bucket == ON_TIME:
        if carried:
            return everything if p else ~everything, no_days
        return d <= p - 1, (f"an on-time dossier received in the period needs its due date inside it, but the "
                            f"period has {p} working days and the shortest procedure takes {shortest}")
    if bucket == LATE:
        if carried:
            return everything if p else ~everything, no_days
        return d <= p - 2, (f"a late dossier received in the period needs its due date and a later finish "
                            f"inside it, but the period has {p} working days and the shortest procedure "
                            f"takes {shortest}")
    if bucket == WITHIN:
        return everything, ""
    if carried:
        return everything, ""
    return d <= win.before_end - 1, (f"an overdue dossier received in the period needs a due date before the "
                                     f"period end, but the period has {win.before_end} working days before "
                                     f"its last day and the shortest procedure takes {shortest}")


@dataclass(frozen=True)
class Plan:
    """How many dossiers go to each bucket, received in the period (new) or before it (carried)."""

    new: tuple[int, ...]
    carried: tuple[int, ...]


def totals(figures: Figures) -> np.ndarray:
    return np.array([figures.early, figures.on_time, figures.late, figures.within_deadline, figures.overdue])


def plan(rng: np.random.Generator, figures: Figures, durations: np.ndarray, win: Window, where: str) -> Plan:
    """Split each bucket between carried-over and new dossiers so that every part is constructible.

    Raises ScenarioError naming the keys and the reason when no split exists.
    """
    total = totals(figures)
    lower, upper, reasons = np.zeros(5, int), np.zeros(5, int), {}
    for b in range(5):
        new_ok, why_new = usable(b, False, durations, win)
        old_ok, why_old = usable(b, True, durations, win)
        lower[b] = 0 if new_ok.any() else total[b]
        upper[b] = total[b] if old_ok.any() else 0
        if lower[b] > upper[b]:
            raise ScenarioError(f"{where}: {BUCKET_KEYS[b]} = {total[b]} is impossible for this period: "
                                f"received in it, {why_new}; received before it, {why_old}")
        reasons[b] = why_new if lower[b] else why_old
    carried = figures.carried_over
    if carried < lower.sum():
        need = [f"{BUCKET_KEYS[b]} = {total[b]} ({reasons[b]})" for b in range(5) if lower[b]]
        raise ScenarioError(f"{where}: carried_over = {carried} is too small: {'; '.join(need)} — these need "
                            f"{lower.sum()} dossiers received before the period")
    if carried > upper.sum():
        cannot = [f"{BUCKET_KEYS[b]} ({reasons[b]})" for b in range(5) if total[b] and not upper[b]]
        raise ScenarioError(f"{where}: carried_over = {carried} exceeds the {upper.sum()} dossiers that can be "
                            f"received before the period and still count in it: {'; '.join(cannot)}")
    split = lower + (rng.multivariate_hypergeometric(upper - lower, carried - lower.sum())
                     if carried > lower.sum() else 0)
    return Plan(new=tuple(int(v) for v in total - split), carried=tuple(int(v) for v in split))


@dataclass
class Built:
    """Lifecycle columns of constructed dossiers (one entry each); bucket is +10 when carried over."""

    proc_idx: np.ndarray
    received: np.ndarray
    due0: np.ndarray
    due1: np.ndarray
    due: np.ndarray
    req1: np.ndarray
    res1: np.ndarray
    finish: np.ndarray
    returned: np.ndarray
    outcome: np.ndarray
    n_supp: np.ndarray
    bucket: np.ndarray


def _uniform(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + np.floor(rng.random(lo.size) * (hi - lo + 1)).astype("int64")


def _group(rng, bucket: int, carried: bool, k: int, proc_pool: np.ndarray, durations: np.ndarray,
           win: Window) -> dict[str, np.ndarray]:
    """Day ordinals (receipt r, pause w, finish f; f = 0 when still open at the world's end) for k dossiers."""
    ok, _ = usable(bucket, carried, durations[proc_pool], win)
    pool = proc_pool[ok]
    proc = rng.choice(pool, k)
    d = durations[proc].astype("int64")
    first, last = win.first, win.last
    # a supplement pause now and then for new dossiers, where the bucket still fits with it
    w = np.where(rng.random(k) < 0.06, rng.integers(1, 6, k), 0)
    if not carried:
        w = np.where((bucket == EARLY) & (d < 2), 0, w)
        pw = np.where(w > 0, 1 + w, 0)  # the finish comes after the citizen's answer
        hi = {EARLY: last - pw, ON_TIME: last - d - w, LATE: last - d - w - 1, WITHIN: np.full(k, last),
              OVERDUE: win.end_minus - d - w}[bucket]
        lo = np.full(k, first) if bucket != WITHIN else np.maximum(first, win.end_plus - d - w)
        drop = hi < lo  # the pause does not fit: none for these
        w, pw = np.where(drop, 0, w), np.where(drop, 0, pw)
        hi = np.where(drop, {EARLY: np.full(k, last), ON_TIME: last - d, LATE: last - d - 1, WITHIN: np.full(k, last),
                             OVERDUE: win.end_minus - d}[bucket], hi)
        lo = np.where(drop & (bucket == WITHIN), np.maximum(first, win.end_plus - d), lo)
        r = _uniform(rng, lo, hi)
    else:
        w = np.zeros(k, "int64")
        if bucket == EARLY:
            r = _uniform(rng, np.maximum(first + 1 - d, first - 15), np.full(k, first - 1))
        elif bucket == ON_TIME:
            r = _uniform(rng, first - d, np.minimum(first - 1, last - d))
        elif bucket == LATE:
            hi = np.minimum(first - 1, last - d - 1)
            r = np.where(hi >= first - d, _uniform(rng, first - d, np.maximum(hi, first - d)),
                         _uniform(rng, first - d - 10, first - d - 1))
        elif bucket == OVERDUE:  # due inside the period where it has a working day before its end (apologies)
            hi = np.minimum(first - 1, win.end_minus - d)
            r = _uniform(rng, np.where(first - d <= hi, first - d, hi - 10), hi)
        else:  # within deadline: as late as possible, paused long enough to be due at the period end or after
            r = first - 1 - rng.integers(0, 5, k)
            w = np.maximum(0, win.end_plus - (r + d))
            w = np.where(w > 0, w + rng.integers(0, 4, k), 0)
        pw = np.where(w > 0, 1 + w, 0)
    due = r + d + w
    earliest = r + pw
    if bucket == EARLY:
        f = _uniform(rng, np.maximum(earliest, first), np.minimum(due - 1, last))
    elif bucket == ON_TIME:
        f = due
    elif bucket == LATE:
        f = _uniform(rng, np.maximum.reduce([due + 1, earliest, np.full(k, first)]), np.full(k, last))
    elif bucket == WITHIN:
        lo = np.maximum(last + 1, earliest)
        f = _uniform(rng, lo, np.maximum(lo, due))
    else:
        f = np.maximum(due, last) + rng.integers(1, 12, k)
        f = np.where(rng.random(k) < 0.2, win.world_last + 1, f)  # some are never finished
    f = np.where(f > win.world_last, 0, f)
    return {"proc": proc, "r": r, "d": d, "w": w, "f": f}


def build(rng, cal: WorkingCalendar, the_plan: Plan, proc_pool: np.ndarray, durations: np.ndarray,
          win: Window, start: np.datetime64, end: np.datetime64) -> Built:
    """Dossiers for a plan, with times of day; checks every dossier lands in its bucket."""
    parts, buckets = [], []
    for carried, counts in ((False, the_plan.new), (True, the_plan.carried)):
        for b, k in enumerate(counts):
            if k:
                parts.append(_group(rng, b, carried, k, proc_pool, durations, win))
                buckets.append(np.full(k, b + 10 * carried))
    if not parts:
        parts.append({key: np.array([], "int64") for key in ("proc", "r", "d", "w", "f")})
        buckets.append(np.array([], "int64"))
    g = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    bucket = np.concatenate(buckets)
    n = bucket.size
    day = cal.working_dates  # ordinal k is day[k - 1]
    if n and (g["r"].min() < 1 or (g["r"] + g["d"] + g["w"]).max() > day.size):
        raise ScenarioError("the scenario needs days outside the working calendar (2015-2030)")
    r_day = day[g["r"] - 1]
    # receipt during counter hours (before 17:00, so it counts from that day)
    received = r_day.astype("datetime64[s]") + lc.counter_seconds(rng, n).astype("timedelta64[s]")
    has = g["w"] > 0
    due0 = day[g["r"] + g["d"] - 1]
    due = day[g["r"] + g["d"] + g["w"] - 1]
    req1 = np.where(has, day[np.minimum(g["r"] + 1, day.size) - 1].astype("datetime64[s]")
                    + np.timedelta64(9 * 3600 + 1800, "s"), _NAT_S)
    # answered at the time of day it was asked: the wait is w working days whether counted in days or hours
    res1 = np.where(has, day[np.minimum(g["r"] + 1 + g["w"], day.size) - 1].astype("datetime64[s]")
                    + np.timedelta64(9 * 3600 + 1800, "s"), _NAT_S)
    done = g["f"] > 0
    f_day = day[np.where(done, g["f"], 1) - 1]
    finish = f_day.astype("datetime64[s]") + (8 * 3600 + rng.integers(0, 8 * 3600, n)).astype("timedelta64[s]")
    floor = np.where(has, res1, received) + np.timedelta64(1800, "s")
    finish = np.where(done, np.minimum(np.maximum(finish, floor),
                                       f_day.astype("datetime64[s]") + np.timedelta64(86399, "s")), _NAT_S)
    # returned within two working days when the world still runs then; otherwise processed, awaiting pick-up
    ret_ord = np.where(done, g["f"], 1) + rng.integers(0, 3, n)
    returns = done & (rng.random(n) < 0.8) & (ret_ord <= win.world_last)
    ret_day = day[np.minimum(ret_ord, day.size) - 1].astype("datetime64[s]")
    returned = np.where(returns, np.maximum(ret_day + np.timedelta64(15 * 3600, "s"),
                                            finish + np.timedelta64(600, "s")), _NAT_S)
    outcome = np.where(returns, 10, np.where(done, 9, 4))
    built = Built(proc_idx=g["proc"], received=received, due0=due0, due1=np.where(has, due, _NAT_D), due=due,
                  req1=req1, res1=res1, finish=finish, returned=returned, outcome=outcome,
                  n_supp=has.astype(int), bucket=bucket)
    _check(built, start, end)
    return built


def _check(built: Built, start: np.datetime64, end: np.datetime64) -> None:
    """Every constructed dossier is in the bucket it was built for, by the II.06a rules (lifecycle.classify).

    A failure here is a bug in this module, never a property of the scenario file.
    """
    # the supplement columns too: open dossiers are judged by lifecycle.open_overdue_at (supplement waits)
    life = SimpleNamespace(received=built.received, finish=built.finish, due=built.due, due0=built.due0,
                           due1=built.due1, req1=built.req1, res1=built.res1,
                           req2=np.full(built.received.size, _NAT_S))
    _, bucket = lc.classify(life, start, end)
    wrong = np.flatnonzero(bucket != built.bucket)
    if wrong.size:
        i = wrong[0]
        raise AssertionError(f"constructed dossier {i} meant for bucket {built.bucket[i]} lands in {bucket[i]}: "
                             f"received {built.received[i]}, due {built.due[i]}, finish {built.finish[i]}")
