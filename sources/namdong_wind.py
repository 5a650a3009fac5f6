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

Completeness. With no total in the answer, the only evidence of a lost record
is the paging itself: the API pages by offset (page *n* starts at record
``(n - 1) * size``), so only the last page of a month may hold fewer than
``size`` records. A short page followed by a non-empty page therefore lost
records; the short page is asked again (through the client, counted as that
page's retry with reason ``"incomplete page"``, with the client's backoff and
budget; any later retries need a full page), and if it stays short the month
fails with :class:`IncompleteAnswerError` and nothing of it is returned, so
the next run asks for the month again. A short page followed by the empty page
is the normal end. The rule trusts that the service honours ``size``; a
service that capped it (pages of 50 when 100 were asked) would fail every
month of more than one page with this error, whose message then says to
lower ``[sources.wind] page_size`` to the size of the pages it sends — loud,
instead of storing months with records missing.

:func:`wind_request_estimate` is the cost of one query (for ``--plan``).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from foundations.errors import TransformInputError
from portal import load_json_response
from sources.base import WIND, ymd
from sources.concurrency import gather_all
from sources.errors import IncompleteAnswerError, MalformedBodyError, NoDataError, SourceError
from sources.http_client import PageCheck, PortalClient, Shortfall, describe

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
        raise MalformedBodyError(
            f"{WIND}: {what}: response.body.content is not a list", source=WIND
        )
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
        previous = 0  # records on the last page kept
        for page in range(1, self.max_pages + 1):
            params = self.params(start, end, page)
            what = describe(PATH, params)
            try:
                body = await self.client.get(PATH, params, source=WIND)
            except NoDataError:
                break  # 03: nothing (more) in this month; some servers end the paging this way
            records = page_records(body, what=what)
            if not records:
                break
            if pages and body == pages[-1]:
                raise SourceError(
                    f"{WIND}: {what} returned the same records as the page before; "
                    "the server ignores 'page', stopping instead of looping",
                    source=WIND,
                )
            if pages and previous < self.page_size:
                # Records follow a short page: that page lost some (module doc).
                pages[-1] = await self._refetch(start, end, page - 1, previous)
            pages.append(body)
            previous = len(records)
        else:
            raise SourceError(
                f"{WIND}: paging {start}..{end} did not end within {self.max_pages} pages",
                source=WIND,
            )
        return pages

    def _full_page(self, page: int, *, what: str) -> PageCheck:
        """The check of a page known not to be the last: it must hold ``size`` records."""

        def check(body: bytes) -> Shortfall | None:
            received = len(page_records(body, what=what))
            if received == self.page_size:
                return None
            return self._shortfall(page, received)

        return check

    def _shortfall(self, page: int, received: int) -> Shortfall:
        return Shortfall(
            declared=self.page_size,
            received=received,
            detail=f"page {page} is followed by a page with records, so it must be full "
            f"(size {self.page_size})",
            hint=f"If every month of more than one page fails this way, the service sends "
            f"pages smaller than size {self.page_size}: set [sources.wind] page_size "
            "to the size of the pages it sends",
        )

    async def _refetch(self, start: date, end: date, page: int, received: int) -> bytes:
        """Page ``page`` asked again because a non-empty page followed its ``received`` records."""
        params = self.params(start, end, page)
        what = describe(PATH, params)
        try:
            return await self.client.get(
                PATH,
                params,
                source=WIND,
                check=self._full_page(page, what=what),
                refetch=self._shortfall(page, received),
            )
        except NoDataError:
            # The page after it had records: "no data" here is a short answer too.
            short = self._shortfall(page, 0)
            raise IncompleteAnswerError(
                WIND,
                request=what,
                declared=short.declared,
                received=0,
                detail=f"{short.detail}; asked again it answered code 03",
                hint=short.hint,
            ) from None
