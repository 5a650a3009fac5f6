"""Korean time: the calendar every date in this project means.

The portal's daily quotas reset at midnight KST, and the scheduled flows
collect Korean days, so "today" is asked of one function everywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: Korea Standard Time (UTC+9, no daylight saving time).
KST = ZoneInfo("Asia/Seoul")


def today_kst(now: datetime | None = None) -> date:
    """The current date in Korea (``now`` defaults to the wall clock; naive means UTC)."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(KST).date()
