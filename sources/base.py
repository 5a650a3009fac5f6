"""What every source (live or replay) offers; the flows depend on these only.

All fetches return raw response bodies (bytes), one per page, exactly as the
API sent them. Parsing stays in the registry transforms (T3-T5), so live and
replay runs go through the same parsers, and filtering records (a PV range
answer holds the day after the range and, for an all-units query, every unit)
is the caller's, after parsing.

A request for which the API has no data raises
:class:`sources.errors.NoDataError` (portal code 03), never an empty list, so
"nothing there" is one ``except`` away and never mistaken for success.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

ASOS = "asos"
WIND = "wind"
PV = "pv"
SOURCE_NAMES = (ASOS, WIND, PV)


def ymd(day: date) -> str:
    """A date as the APIs want it: ``YYYYMMDD``."""
    return day.strftime("%Y%m%d")


@runtime_checkable
class AsosSource(Protocol):
    """KMA ASOS hourly weather (JSON pages, parsed by T5 ``asos_to_frame``)."""

    async def fetch(self, station_id: int, day: date) -> list[bytes]:
        """Pages of hours 00:00..23:00 of ``day`` at ``station_id``."""
        ...

    async def fetch_range(self, station_id: int, start: date, end: date) -> list[bytes]:
        """Pages of every hour from ``start`` 00:00 to ``end`` 23:00 (inclusive)."""
        ...


@runtime_checkable
class WindSource(Protocol):
    """Namdong wind hourly generation (JSON pages, parsed by T3 ``wind_to_long``)."""

    async def fetch(self, start: date, end: date) -> list[bytes]:
        """Pages of the records dated ``start`` to ``end`` (inclusive), all plants."""
        ...


@runtime_checkable
class PvSource(Protocol):
    """Nambu PV generation per plant, unit and day (XML, parsed by T4 ``pv_to_long``)."""

    async def fetch_range(
        self, start: date, end: date, unit: tuple[str, int] | None = None
    ) -> list[bytes]:
        """Pages of one query ``strSdate`` = ``start``, ``strEdate`` = ``end`` + 1 day.

        ``unit`` (gencd, hogi) narrows the query to one unit; ``None`` asks for
        every plant and unit. The pages may hold records of ``end`` + 1 (and of
        other units): the caller drops them. At most 366 days (``ValueError``).
        """
        ...
