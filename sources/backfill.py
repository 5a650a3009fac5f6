"""Fetching many PV (plant, unit, day) bodies at once.

The legacy backfill asked one day at a time, so a 100-day backfill spent
~30 s waiting on the network (sources.md). Here all days are started
together and :class:`sources.http_client.PortalClient` bounds how many are in
flight and how fast they start; the result does not depend on completion
order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sources.base import PvSource
from sources.concurrency import gather_all
from sources.errors import NoDataError


@dataclass(frozen=True)
class PvDay:
    """One fetched (plant, unit, day); ``body`` is ``None`` when the API has no data (03)."""

    gencd: str
    hogi: int
    day: date
    body: bytes | None


async def fetch_pv_days(
    pv: PvSource,
    wanted: Iterable[tuple[str, int, date]],
    on_done: Callable[[], None] | None = None,
) -> list[PvDay]:
    """:meth:`PvSource.fetch_day` for each wanted (gencd, hogi, day), concurrently, in input order.

    "No data" is a result (``body=None``); any other error stops the whole
    backfill and is raised as is, since a fatal portal error (a bad key)
    would fail every other day the same way. ``on_done`` is called after each
    day (a progress bar's tick).
    """

    async def one(gencd: str, hogi: int, day: date) -> PvDay:
        try:
            body: bytes | None = await pv.fetch_day(gencd, hogi, day)
        except NoDataError:
            body = None
        if on_done is not None:
            on_done()
        return PvDay(gencd, hogi, day, body)

    return await gather_all(one(g, h, d) for g, h, d in wanted)
