"""Namdong wind hourly generation, live (``B551893/wind-power-by-hour/list``, JSON).

One query per calendar month: :meth:`LiveWindSource.fetch` splits
``start``..``end`` at month boundaries (``startD``/``endD``), runs the months
concurrently (the client bounds them) and returns their pages in date order.

Paging: ``size`` = the page size (``[sources.wind] page_size``, 100 by
default), ``page`` from 1. The answer's top-level key is ``reponse`` (sic) or
``response``, the records are ``body.content``, and there is no usable
``totalCount`` (absent or 0), so paging ends at the first page without records
(``content`` empty or absent, or code 03); that page is counted by the quota
but not returned. A month's pages are therefore fetched one after the other.
Two guards stop a server that ignores ``page``: a page identical to the one
before it, and ``max_pages``. A month without records contributes no page; a
range without any raises :class:`NoDataError`.

:func:`wind_request_estimate` is the cost of one query (for ``--plan``).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from plugins.python_backend.payloads import load_json_response
from registry.errors import TransformInputError
from sources.base import WIND, ymd
from sources.concurrency import gather_all
from sources.errors import MalformedBodyError, NoDataError, SourceError
from sources.http_client import PortalClient, describe

PATH = "/B551893/wind-power-by-hour/list"
#: The legacy collector's page size.
DEFAULT_PAGE_SIZE = 100
#: A month of three units is ~93 records; this bound only stops runaway paging.
DEFAULT_MAX_PAGES = 1000


def wind_request_estimate(days: int, units: int = 5, page_size: int = DEFAULT_PAGE_SIZE) -> int:
    """Requests one query of ``days`` days costs: the pages of records plus the final empty page.

    One record per unit and day (Namdong has 5 wind units), so
    ceil(days * units / page_size) + 1. Retries would add to it.
    """
    if days < 0 or units < 0:
        raise ValueError(f"days and units must be >= 0, got {days} and {units}")
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    return math.ceil(days * units / page_size) + 1


def month_ranges(start: date, end: date) -> list[tuple[date, date]]:
    """``start``..``end`` cut at calendar-month boundaries, in order (one query each)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    ranges: list[tuple[date, date]] = []
    while start <= end:
        next_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        last = min(end, next_month - timedelta(days=1))
        ranges.append((start, last))
        start = next_month
    return ranges


def page_records(body: bytes, *, what: str) -> list[Any]:
    """The records of one page (``response``/``reponse`` ``.body.content``); ``[]`` if none."""
    try:
        response = load_json_response(body, source=WIND)
    except TransformInputError as exc:
        raise MalformedBodyError(f"{WIND}: {what}: {exc}", source=WIND) from None
    payload = response.get("body")
    if payload is None:
        return []
    if not isinstance(payload, dict):
        raise MalformedBodyError(f"{WIND}: {what}: response.body is not an object", source=WIND)
    content = payload.get("content")
    if content is None:
        return []
    if not isinstance(content, list):
        raise MalformedBodyError(f"{WIND}: {what}: response.body.content is not a list", source=WIND)
    return content


class LiveWindSource:
    """Wind pages from the live API through a shared :class:`PortalClient`."""

    def __init__(
        self,
        client: PortalClient,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        if page_size < 1 or max_pages < 1:
            raise ValueError("page_size and max_pages must be at least 1")
        self.client = client
        self.page_size = page_size
        self.max_pages = max_pages

    def params(self, start: date, end: date, page: int) -> dict[str, str | int]:
        return {"size": self.page_size, "page": page, "startD": ymd(start), "endD": ymd(end)}

    async def fetch(self, start: date, end: date) -> list[bytes]:
        """Pages of every record dated ``start``..``end``, one query per month, in date order."""
        months = await gather_all(self._query(s, e) for s, e in month_ranges(start, end))
        pages = [page for month in months for page in month]
        if not pages:
            raise NoDataError("03", f"no records for {start}..{end}", source=WIND)
        return pages

    async def _query(self, start: date, end: date) -> list[bytes]:
        """The pages of one query (``[]`` if it has no records)."""
        pages: list[bytes] = []
        for page in range(1, self.max_pages + 1):
            params = self.params(start, end, page)
            what = describe(PATH, params)
            try:
                body = await self.client.get(PATH, params, source=WIND)
            except NoDataError:
                break  # 03: nothing (more) in this month; some servers end the paging this way
            if not page_records(body, what=what):
                break
            if pages and body == pages[-1]:
                raise SourceError(
                    f"{WIND}: {what} returned the same records as the page before; "
                    "the server ignores 'page', stopping instead of looping",
                    source=WIND,
                )
            pages.append(body)
        else:
            raise SourceError(
                f"{WIND}: paging {start}..{end} did not end within {self.max_pages} pages",
                source=WIND,
            )
        return pages
