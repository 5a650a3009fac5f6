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

:func:`asos_request_count` is the number of requests a range costs when
nothing is retried (for plans and budgets).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from plugins.python_backend.payloads import load_json_response
from registry.errors import TransformInputError
from sources.base import ASOS, ymd
from sources.concurrency import gather_all
from sources.errors import MalformedBodyError, NoDataError
from sources.http_client import PortalClient, describe

PATH = "/1360000/AsosHourlyInfoService/getWthrDataList"
#: The API's largest page.
MAX_PAGE_SIZE = 999


def total_count(body: bytes, *, what: str) -> int:
    """``response.body.totalCount`` of a success page, as an int."""
    try:
        response = load_json_response(body, source=ASOS)
        value = response["body"]["totalCount"]
        count = int(value)
    except TransformInputError as exc:
        raise MalformedBodyError(f"{ASOS}: {what}: {exc}", source=ASOS) from None
    except (KeyError, TypeError, ValueError):
        raise MalformedBodyError(
            f"{ASOS}: {what}: the body has no integer response.body.totalCount", source=ASOS
        ) from None
    if count < 0:
        raise MalformedBodyError(f"{ASOS}: {what}: negative totalCount {count}", source=ASOS)
    return count


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
        first = await self.client.get(PATH, first_params, source=ASOS)
        total = total_count(first, what=describe(PATH, first_params))
        if total == 0:
            raise NoDataError(
                "03", f"totalCount 0 for station {station_id}, {start}..{end}", source=ASOS
            )
        pages = math.ceil(total / self.page_size)
        rest = await gather_all(
            self.client.get(PATH, self.params(station_id, start, end, page), source=ASOS)
            for page in range(2, pages + 1)
        )
        return [first, *rest]
