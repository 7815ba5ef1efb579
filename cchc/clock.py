"""Vietnam's clock, the one every source system keeps: UTC+7 all year (Indochina Time, no daylight saving).

Every conversion between Airflow's aware UTC datetimes and the sources' naive local times goes through here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

VN_OFFSET = timedelta(hours=7)
VN_TZ = timezone(VN_OFFSET, "ICT")
ISO_LOCAL = "%Y-%m-%dT%H:%M:%S+07:00"  # how the sources write a local time (strftime/DuckDB strftime format)


def to_local(moment: datetime) -> datetime:
    """An aware datetime (Airflow's) as naive Vietnam local time, the sources' clock."""
    return moment.astimezone(VN_TZ).replace(tzinfo=None)


def now_local() -> datetime:
    """Wall-clock time in Vietnam, naive, to the second."""
    return (datetime.now(UTC) + VN_OFFSET).replace(tzinfo=None, microsecond=0)


def local_date(moment: datetime) -> str:
    """The Vietnam calendar date (ISO) of an aware datetime."""
    return to_local(moment).strftime("%Y-%m-%d")
