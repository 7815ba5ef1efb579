"""The working-day rule: holidays from the `holidays` package plus official day swaps."""

import numpy as np
import pytest

from cchc.calendar import calendar


def ts(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[s]")


def test_tet_2024_is_skipped():
    # Wed 7 Feb 2024, 3 working days: 8-14 Feb are Tết, so Thu 15, Fri 16, Mon 19.
    assert calendar().due_day(ts("2024-02-07T10:00:00"), 3)[0] == np.datetime64("2024-02-19")


def test_after_17h_counts_from_next_working_day():
    assert calendar().due_day(ts("2024-02-07T17:30:00"), 3)[0] == np.datetime64("2024-02-20")


def test_make_up_saturday_is_a_working_day():
    cal = calendar()
    assert cal.is_working_day(np.array(["2024-05-04"], dtype="datetime64[D]"))[0]
    assert not cal.is_working_day(np.array(["2024-05-11"], dtype="datetime64[D]"))[0]
    assert cal.due_day(ts("2024-05-03T10:00:00"), 1)[0] == np.datetime64("2024-05-04")


def test_weekend_receipt_counts_from_monday():
    assert calendar().due_day(ts("2024-03-09T09:00:00"), 1)[0] == np.datetime64("2024-03-12")


def test_outside_calendar_is_a_clear_error():
    with pytest.raises(ValueError, match="outside the working calendar"):
        calendar().due_day(ts("2040-01-01T09:00:00"), 1)


# --- conformance: every day 2018-01-01..2026-12-31 ---------------------------------------------------
# Rule: a working day is Monday–Friday that is not a public holiday (Labour Code 2019 art. 112;
# Decree 45/2013 for the working week), plus the official make-up Saturdays; official swaps decide
# over the package. Sources: `holidays` 0.109 (VN: holidays and weekend_workdays) and the seed
# calendar_overrides (each row names its document, e.g. Công văn 12729/VPCP-KGVX of 25 Dec 2025).

def _expected_working(day, vn, overrides) -> bool:
    if day in overrides:
        return overrides[day][0]
    if day in vn.weekend_workdays:
        return True
    return day.weekday() < 5 and day not in vn


def test_every_day_2018_2026_matches_holidays_and_overrides():
    from datetime import date, timedelta

    import holidays

    from cchc.calendar import load_overrides

    vn = holidays.country_holidays("VN", years=range(2018, 2027))
    overrides = load_overrides()
    cal = calendar()
    day, mismatches = date(2018, 1, 1), []
    while day <= date(2026, 12, 31):
        got = bool(cal.is_working_day(np.array([day], dtype="datetime64[D]"))[0])
        if got != _expected_working(day, vn, overrides):
            mismatches.append(day)
        day += timedelta(days=1)
    assert mismatches == []
    assert (date(2026, 12, 31) - date(2018, 1, 1)).days + 1 == 3287  # every day was checked


@pytest.mark.parametrize("saturday", ["2019-01-05", "2019-05-04", "2024-05-04", "2025-04-26", "2026-01-10",
                                      "2026-08-22"])
def test_official_make_up_saturdays_are_working_days(saturday):
    # holidays 0.109 weekend_workdays (2019, 2024, 2025, 2026) and Công văn 12729/VPCP-KGVX (10 Jan 2026)
    day = np.array([saturday], dtype="datetime64[D]")
    assert calendar().is_working_day(day)[0]


@pytest.mark.parametrize("day_off", ["2018-12-31", "2019-04-29", "2024-04-29", "2025-05-02", "2026-01-02",
                                     "2026-08-31"])
def test_official_swapped_days_off_are_not_working(day_off):
    assert not calendar().is_working_day(np.array([day_off], dtype="datetime64[D]"))[0]


@pytest.mark.parametrize(("received", "days", "due"), [
    # Fri 4 Jan 2019 + 1: Sat 5 Jan 2019 is the make-up day for Mon 31 Dec 2018 (holidays 0.109)
    ("2019-01-04T09:00:00", 1, "2019-01-05"),
    # Fri 3 May 2019 + 1: Sat 4 May 2019 made up Mon 29 Apr 2019 (holidays 0.109)
    ("2019-05-03T09:00:00", 1, "2019-05-04"),
    # Fri 26 Apr 2019 + 2: Mon 29 Apr, Tue 30 Apr, Wed 1 May are off → Thu 2 May, Fri 3 May
    ("2019-04-26T09:00:00", 2, "2019-05-03"),
    # Fri 25 Apr 2025 + 1: Sat 26 Apr 2025 made up Fri 2 May 2025 (holidays 0.109)
    ("2025-04-25T09:00:00", 1, "2025-04-26"),
    # Wed 31 Dec 2025 + 1: Thu 1 Jan holiday, Fri 2 Jan off (Công văn 12729/VPCP-KGVX) → Mon 5 Jan 2026
    ("2025-12-31T09:00:00", 1, "2026-01-05"),
    # Fri 9 Jan 2026 + 1: Sat 10 Jan 2026 is the make-up day (Công văn 12729/VPCP-KGVX)
    ("2026-01-09T09:00:00", 1, "2026-01-10"),
    # Fri 28 Aug 2026 + 1: Mon 31 Aug off (made up Sat 22 Aug), 1-2 Sep National Day → Thu 3 Sep 2026
    ("2026-08-28T09:00:00", 1, "2026-09-03"),
    # received Sat 4 May 2024 17:30 (make-up day, after hours) → counts from Mon 6 May; + 1 → Tue 7 May
    ("2024-05-04T17:30:00", 1, "2024-05-07"),
])
def test_due_dates_cross_each_swap(received, days, due):
    assert calendar().due_day(ts(received), days)[0] == np.datetime64(due)


def test_every_seed_row_names_its_document():
    import csv

    from cchc.calendar import OVERRIDES_CSV

    with OVERRIDES_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(row["source_document"].strip() for row in rows)
    assert {"2026-01-02", "2026-01-10"} <= {row["calendar_date"] for row in rows}
