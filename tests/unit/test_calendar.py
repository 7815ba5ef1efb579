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
