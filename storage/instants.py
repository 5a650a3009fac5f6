"""UTC instants of the bookkeeping columns (``loaded_at``, run times, ``updated_at``).

SQLite has no time zone type and SQLAlchemy drops ``tzinfo`` silently when it
binds to SQLite, so every instant is converted to UTC before it is bound and
marked UTC again when read back: both engines return the same aware values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from storage.errors import FrameError


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc(value: datetime, what: str) -> datetime:
    """``value`` converted to UTC; a naive datetime is refused (it could be KST or UTC)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise FrameError(
            f"{what} must be a timezone-aware datetime (e.g. datetime.now(UTC)), got naive {value}"
        )
    return value.astimezone(UTC)


@overload
def from_db(value: datetime) -> datetime: ...
@overload
def from_db(value: None) -> None: ...
def from_db(value: datetime | None) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite hands back naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
