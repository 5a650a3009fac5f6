"""KMA ASOS hourly weather, live (``AsosHourlyInfoService/getWthrDataList``).

Range queries, to spend as few of the daily quota's requests as possible
(10,000 a day on a development key, retries included): one query per station
covers a whole date range (``startDt``/``startHh`` .. ``endDt``/``endHh``,
00 h to 23 h), paged at ``numOfRows`` = the configured page size (999, the
API's largest page, by default: ~41 days of hourly records a page). The first
page gives ``response.body.totalCount`` (a JSON number, a numeric string
accepted); the remaining pages, if any, are then fetched concurrently and all
pages come back in page order. ``totalCount`` 0 or code 03 raise
:class:`NoDataError`. The API serves up to the previous day only.

Completeness. An answer is returned only if it holds what it declares:

* every page holds exactly the records ``totalCount`` and ``numOfRows``
  promise for it (``numOfRows`` on every page but the last, the rest on the
  last), and every page repeats the first page's ``totalCount``. A page that
  does not is *the portal losing records*: the client asks that page again
  (retry reason ``"incomplete page"``, the client's backoff and budget), and
  if it stays short the station's range fails with
  :class:`IncompleteAnswerError` — nothing of it is returned, so its days stay
  incomplete in the database and the next run asks again;
* the records of all pages together are distinct hours (``tm``): at least
  ``min(totalCount, hours asked)`` of them. Pages that each hold the right
  count but repeat each other's hours (a server ignoring ``pageNo``) raise
  :class:`IncompleteAnswerError` too (no single page is to blame, so nothing
  is retried page by page).

A ``totalCount`` *smaller* than the hours asked is different: it is what the
API has — the station did not report some hours (an outage, a station that
opened or closed within the range). That answer is accepted and returned
(logged as ``asos.hours_missing_at_source``), not retried: asking again cannot
produce hours the API does not hold. The days it leaves short stay short in
the database and are asked again by later runs, in case the KMA back-fills
them.

:func:`asos_request_count` is the number of requests a range costs when
nothing is retried (for plans and budgets).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import structlog

from foundations.errors import TransformInputError
from portal import json_items, load_json_response
from sources.base import ASOS, ymd
from sources.concurrency import gather_all
from sources.errors import IncompleteAnswerError, MalformedBodyError, NoDataError
from sources.http_client import PageCheck, PortalClient, Shortfall, describe, page_shortfall

log = structlog.get_logger("sources.asos")

PATH = "/1360000/AsosHourlyInfoService/getWthrDataList"
#: The API's largest page.
MAX_PAGE_SIZE = 999


def _response(body: bytes, *, what: str) -> dict[str, Any]:
    try:
        return load_json_response(body, source=ASOS)
    except TransformInputError as exc:
        raise MalformedBodyError(f"{ASOS}: {what}: {exc}", source=ASOS) from None


def _total_of(response: Mapping[str, Any], *, what: str) -> int:
    try:
        count = int(response["body"]["totalCount"])
    except (KeyError, TypeError, ValueError):
        raise MalformedBodyError(
            f"{ASOS}: {what}: the body has no integer response.body.totalCount", source=ASOS
        ) from None
    if count < 0:
        raise MalformedBodyError(f"{ASOS}: {what}: negative totalCount {count}", source=ASOS)
    return count


def _items_of(response: Mapping[str, Any], *, what: str) -> list[Any]:
    """``body.items.item`` as a list (:func:`portal.json_items`); a malformed one names the request."""
    try:
        return json_items(response, source=ASOS)
    except TransformInputError as exc:
        raise MalformedBodyError(f"{ASOS}: {what}: {exc}", source=ASOS) from None


def total_count(body: bytes, *, what: str) -> int:
    """``response.body.totalCount`` of a success page, as an int."""
    return _total_of(_response(body, what=what), what=what)


def page_items(body: bytes, *, what: str) -> list[Any]:
    """The records of a success page (``response.body.items.item``), ``[]`` if none."""
    return _items_of(_response(body, what=what), what=what)


def page_check(page: int, page_size: int, total: int | None = None, *, what: str) -> PageCheck:
    """The completeness check of page ``page`` (see the module doc).

    ``total``: the first page's ``totalCount``, which every later page must
    repeat; ``None`` for the first page itself (its own count is the
    reference). ``what`` names the request in a MalformedBodyError.
    """

    def check(body: bytes) -> Shortfall | None:
        response = _response(body, what=what)
        received = len(_items_of(response, what=what))
        declared = _total_of(response, what=what)
        return page_shortfall(page, page_size, total, declared, received, "totalCount")

    return check


def asos_request_count(start: date, end: date, page_size: int = MAX_PAGE_SIZE) -> int:
    """Requests :meth:`LiveAsosSource.fetch_range` sends for one station, ``start``..``end``.

    One per page: ceil(hours / page_size), the hours of the inclusive range
    (24 a day). Retries would add to it; an empty answer costs 1.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    hours = ((end - start) // timedelta(days=1) + 1) * 24
    return math.ceil(hours / page_size)


class LiveAsosSource:
    """ASOS pages from the live API through a shared :class:`PortalClient`."""

    def __init__(self, client: PortalClient, *, page_size: int = MAX_PAGE_SIZE) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        self.client = client
        self.page_size = page_size

    def params(self, station_id: int, start: date, end: date, page: int) -> dict[str, str | int]:
        """The query parameters of one page (the key is added by the client)."""
        return {
            "pageNo": page,
            "numOfRows": self.page_size,
            "dataType": "JSON",
            "dataCd": "ASOS",
            "dateCd": "HR",
            "startDt": ymd(start),
            "startHh": "00",
            "endDt": ymd(end),
            "endHh": "23",
            "stnIds": station_id,
        }

    async def fetch(self, station_id: int, day: date) -> list[bytes]:
        """One day: the range ``day``..``day``."""
        return await self.fetch_range(station_id, day, day)

    async def fetch_range(self, station_id: int, start: date, end: date) -> list[bytes]:
        """Pages of ``start`` 00:00 .. ``end`` 23:00 at ``station_id``, one query, in page order."""
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        first_params = self.params(station_id, start, end, 1)
        what = describe(PATH, first_params)
        first = await self.client.get(
            PATH, first_params, source=ASOS, check=page_check(1, self.page_size, what=what)
        )
        total = total_count(first, what=what)
        if total == 0:
            raise NoDataError(
                "03", f"totalCount 0 for station {station_id}, {start}..{end}", source=ASOS
            )
        pages = math.ceil(total / self.page_size)
        rest = await gather_all(
            self._page(station_id, start, end, page, total) for page in range(2, pages + 1)
        )
        bodies = [first, *rest]
        hours = ((end - start) // timedelta(days=1) + 1) * 24
        self._check_hours(bodies, total, hours, what=what)
        if total < hours:
            # What the API holds, not a loss in transit: accepted (module doc).
            log.info(
                "asos.hours_missing_at_source",
                station=station_id,
                start=str(start),
                end=str(end),
                hours_asked=hours,
                total_count=total,
            )
        return bodies

    async def _page(self, station_id: int, start: date, end: date, page: int, total: int) -> bytes:
        params = self.params(station_id, start, end, page)
        check = page_check(page, self.page_size, total, what=describe(PATH, params))
        return await self.client.get(PATH, params, source=ASOS, check=check)

    @staticmethod
    def _check_hours(bodies: list[bytes], total: int, hours: int, *, what: str) -> None:
        """IncompleteAnswerError unless the pages hold ``min(total, hours)`` distinct hours."""
        seen: set[str] = set()
        unreadable = 0
        for body in bodies:
            for item in page_items(body, what=what):
                tm = item.get("tm") if isinstance(item, Mapping) else None
                if isinstance(tm, str):
                    seen.add(tm)
                else:
                    # T5 rejects such a record with its own message; counted
                    # here so that this check does not pre-empt that one.
                    unreadable += 1
        wanted = min(total, hours)
        if len(seen) + unreadable < wanted:
            raise IncompleteAnswerError(
                ASOS,
                request=what,
                declared=wanted,
                received=len(seen) + unreadable,
                detail=f"distinct hours (tm) over all {len(bodies)} pages; "
                f"totalCount {total}, {hours} hours asked",
            )
