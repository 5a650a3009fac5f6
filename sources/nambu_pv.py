"""Nambu PV generation per plant, unit and day, live (``B552520/PwrSunLightInfo/getDataService``).

The "answers only when strEdate is the next day" quirk (sources.md): if the
answer for ``strSdate = strEdate = day`` has no items (an empty ``<items>`` or
code 03), the day is asked again with ``strEdate = day + 1``, and the items
whose ``ymd`` is ``day`` are kept.

Choice: :meth:`LiveNambuPvSource.fetch_day` always returns one body that
holds the asked day only. A first answer with items is returned byte for byte;
a second answer is filtered by :func:`sources.pv_xml.keep_day` and
re-serialised (same document, other days' items removed, ``totalCount``
updated), so callers and T4 never see the neighbour day's items and need not
know about the quirk. If neither answer has the day, :class:`NoDataError`.

A (plant, unit, day) is one record (two with the quirk), so one page of
``numOfRows`` = 10 always holds it; no paging.
"""

from __future__ import annotations

from datetime import date, timedelta

import structlog

from sources.base import PV, ymd
from sources.errors import NoDataError
from sources.http_client import PortalClient, describe
from sources.pv_xml import item_count, keep_day

PATH = "/B552520/PwrSunLightInfo/getDataService"
PAGE_SIZE = 10

log = structlog.get_logger("sources.pv")


class LiveNambuPvSource:
    """PV day bodies from the live API through a shared :class:`PortalClient`."""

    def __init__(self, client: PortalClient) -> None:
        self.client = client
        #: How many days needed the ``strEdate`` = day + 1 request (for reports).
        self.next_day_requests = 0

    @staticmethod
    def params(gencd: str, hogi: int, start: date, end: date) -> dict[str, str | int]:
        return {
            "pageNo": 1,
            "numOfRows": PAGE_SIZE,
            "strSdate": ymd(start),
            "strEdate": ymd(end),
            "strOrgCd": gencd,
            "strHoki": hogi,
        }

    async def _ask(self, gencd: str, hogi: int, day: date, end: date) -> bytes | None:
        params = self.params(gencd, hogi, day, end)
        try:
            return await self.client.get(PATH, params, source=PV)
        except NoDataError:
            return None

    async def fetch_day(self, gencd: str, hogi: int, day: date) -> bytes:
        first = await self._ask(gencd, hogi, day, day)
        if first is not None and item_count(first, what=describe(PATH, self.params(gencd, hogi, day, day))):
            return first
        end = day + timedelta(days=1)
        self.next_day_requests += 1
        log.debug("source.pv_next_day", gencd=gencd, hogi=hogi, day=str(day))
        second = await self._ask(gencd, hogi, day, end)
        if second is not None:
            body, kept = keep_day(second, day, what=describe(PATH, self.params(gencd, hogi, day, end)))
            if kept:
                return body
        raise NoDataError(
            "03", f"no items for plant {gencd} unit {hogi} on {day}, also with strEdate={ymd(end)}",
            source=PV,
        )
