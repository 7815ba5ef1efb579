"""dim_date: one row per day with the working-day flag, from cchc.calendar (the one home of the rule).

The official day swaps come in through ref('calendar_overrides'), so the seed is part of the lineage
and the docs; cchc.calendar applies them over the `holidays` package.
"""

import pandas as pd


def model(dbt, session):
    dbt.config(materialized="table")
    from cchc.calendar import WorkingCalendar, overrides_from_rows

    seed = dbt.ref("calendar_overrides").df()
    cal = WorkingCalendar.build(2015, 2030, overrides=overrides_from_rows(seed.to_dict("records")))
    dates = pd.to_datetime(cal.dates)
    return pd.DataFrame({
        "calendar_date": dates.date,
        "is_working_day": cal.is_working,
        "holiday_name": [name or None for name in cal.holiday_name],
        "working_day_ordinal": cal.ordinal,
        "year": dates.year.astype("int32"),
        "half": ((dates.month - 1) // 6 + 1).astype("int32"),
        "quarter": dates.quarter.astype("int32"),
        "month": dates.month.astype("int32"),
        "month_start": dates.to_period("M").start_time.date,
        "iso_weekday": (dates.dayofweek + 1).astype("int32"),
    })
