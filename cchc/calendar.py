"""Vietnamese working-day calendar: the one home of the working-day rule.

Base: the `holidays` package (country VN): public holidays incl. Tết and substituted days off
(Labour Code 2019 art. 112), and the official make-up working Saturdays it records
(`weekend_workdays`, "ngày làm bù": a working day). Saturdays and Sundays are otherwise non-working
(Decree 45/2013 working week). Overrides: the dbt seed `calendar_overrides` lists official day
swaps the package lacks or that we pin to the document that set them (column source_document);
an override wins over the package. dbt passes the seed in through `ref()` (dim_date); Python
callers (the simulators) read the same file. See docs/calendar.md.

Deadline rule (DVCAPI CaculateTime.cs, restated at date level): a dossier received on a working
day before 17:00 counts from that day; one received after 17:00 or on a non-working day counts as
received on the next working day. The due date is the N-th working day after that effective
receipt day. All functions are vectorised over numpy datetime64[D] arrays.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from cchc.settings import REPO_ROOT

OVERRIDES_CSV = REPO_ROOT / "dbt_project" / "seeds" / "calendar_overrides.csv"
CUTOFF_HOUR = 17  # counter closes at 17:00; later receipts count from the next working day


Overrides = dict[date, tuple[bool, str]]  # date -> (is_working_day, reason)


def overrides_from_rows(rows: Iterable[Mapping[str, object]]) -> Overrides:
    """Day swaps from seed rows (csv.DictReader rows or records of the dbt seed)."""
    out: Overrides = {}
    for row in rows:
        day = row["calendar_date"]
        if isinstance(day, datetime):  # pandas Timestamps from the dbt seed
            day = day.date()
        elif not isinstance(day, date):
            day = date.fromisoformat(str(day))
        working = row["is_working_day"]
        working = working if isinstance(working, bool) else str(working).strip().lower() == "true"
        out[day] = (working, str(row["reason"]))
    return out


def load_overrides(path: Path = OVERRIDES_CSV) -> Overrides:
    """Official day swaps from the seed file."""
    with path.open(newline="", encoding="utf-8") as fh:
        return overrides_from_rows(csv.DictReader(fh))


@dataclass(frozen=True)
class WorkingCalendar:
    """Calendar over [first_year-01-01, last_year-12-31] with vectorised working-day arithmetic."""

    dates: np.ndarray  # datetime64[D], consecutive days
    is_working: np.ndarray  # bool
    holiday_name: np.ndarray  # object (str or '')
    working_dates: np.ndarray  # datetime64[D] of working days only, ascending
    ordinal: np.ndarray  # int64: number of working days on or before each date

    @classmethod
    def build(cls, first_year: int, last_year: int, overrides: Overrides | None = None) -> WorkingCalendar:
        import holidays

        vn = holidays.country_holidays("VN", years=range(first_year, last_year + 1))
        overrides = load_overrides() if overrides is None else overrides
        dates = np.arange(np.datetime64(f"{first_year}-01-01"), np.datetime64(f"{last_year + 1}-01-01"))
        weekday = (dates.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        names = np.array([vn.get(d.item(), "") for d in dates], dtype=object)
        make_up = np.isin(dates, np.array(sorted(vn.weekend_workdays), dtype="datetime64[D]"))
        working = ((weekday < 5) & (names == "")) | make_up
        for day, (is_working, reason) in overrides.items():
            if first_year <= day.year <= last_year:
                i = (day - date(first_year, 1, 1)).days
                working[i] = is_working
                if not is_working and not names[i]:
                    names[i] = reason
        return cls(
            dates=dates,
            is_working=working,
            holiday_name=names,
            working_dates=dates[working],
            ordinal=np.cumsum(working).astype("int64"),
        )

    def _index(self, days: np.ndarray) -> np.ndarray:
        idx = (days.astype("datetime64[D]") - self.dates[0]).astype("int64")
        if idx.size and (idx.min() < 0 or idx.max() >= self.dates.size):
            raise ValueError(
                f"date outside the working calendar {self.dates[0]}..{self.dates[-1]}: "
                f"{days.min()}..{days.max()}"
            )
        return idx

    def is_working_day(self, days: np.ndarray) -> np.ndarray:
        return self.is_working[self._index(days)]

    def add_working_days(self, days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """The n-th working day after each day (n >= 0; n = 0 gives the day itself if working,
        else the previous working day's position, i.e. callers pass working days)."""
        target = self.ordinal[self._index(days)] + np.asarray(n, dtype="int64")
        return self.working_dates[target - 1]

    def next_working_day_on_or_after(self, days: np.ndarray) -> np.ndarray:
        idx = self._index(days)
        on = self.is_working[idx]
        return np.where(on, days.astype("datetime64[D]"), self.working_dates[self.ordinal[idx]])

    def effective_receipt_day(self, received: np.ndarray) -> np.ndarray:
        """Day a dossier counts from: same day if a working day before 17:00, else next working day."""
        received = received.astype("datetime64[s]")
        day = received.astype("datetime64[D]")
        hour = ((received - day).astype("int64") // 3600).astype("int64")
        late = hour >= CUTOFF_HOUR
        next_day = np.where(late, day + np.timedelta64(1, "D"), day)
        return self.next_working_day_on_or_after(next_day)

    def due_day(self, received: np.ndarray, duration_working_days: np.ndarray | int) -> np.ndarray:
        """Due date for a statutory duration in working days."""
        return self.add_working_days(self.effective_receipt_day(received), duration_working_days)

    def working_days_between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Working days in (start, end]: how far `end` is past `start` in working days."""
        return self.ordinal[self._index(end)] - self.ordinal[self._index(start)]


@lru_cache(maxsize=8)
def calendar(first_year: int = 2015, last_year: int = 2030) -> WorkingCalendar:
    """Cached calendar; 2015-2030 covers every period the project reports on."""
    return WorkingCalendar.build(first_year, last_year)
