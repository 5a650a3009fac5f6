"""Calendar arithmetic in Korean time: the default periods of the scheduled flows.

Every default is computed when a run starts (never at import or deploy time),
so a deployment scheduled at 09:00 KST collects the day before *that* run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from foundations.korean_time import KST, today_kst

__all__ = [
    "KST",
    "days_between",
    "last_days",
    "month_bounds",
    "month_start",
    "months_between",
    "previous_month",
    "today_kst",
    "yesterday_kst",
]


def yesterday_kst(now: datetime | None = None) -> date:
    """The day before today in Korea: what the daily weather run collects."""
    return today_kst(now) - timedelta(days=1)


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def previous_month(now: datetime | None = None) -> date:
    """The first day of the month before the current Korean month."""
    return month_start(month_start(today_kst(now)) - timedelta(days=1))


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of ``month``'s month."""
    first = month_start(month)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def days_between(start: date, end: date) -> Iterator[date]:
    """Every day from ``start`` to ``end``, both included."""
    if end < start:
        raise ValueError(f"the end date {end} is before the start date {start}")
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def months_between(start: date, end: date) -> Iterator[date]:
    """The first day of every month touched by ``start``..``end``."""
    if end < start:
        raise ValueError(f"the end date {end} is before the start date {start}")
    month = month_start(start)
    while month <= end:
        yield month
        month = month_bounds(month)[1] + timedelta(days=1)


def last_days(count: int, now: datetime | None = None) -> tuple[date, date]:
    """The ``count`` days ending yesterday (KST), as ``(start, end)``."""
    if count < 1:
        raise ValueError(f"the number of days must be at least 1, not {count}")
    end = yesterday_kst(now)
    return end - timedelta(days=count - 1), end
