"""Nambu PV generation, live (``B552520/PwrSunLightInfo/getDataService``, XML).

Range queries, because the quota is small (1,000 requests a day on a
development key, retries included). :meth:`LiveNambuPvSource.fetch_range`
sends one query for ``start``..``end``:

* ``strSdate`` = ``start``, ``strEdate`` = ``end`` + 1 day. For some days the
  API answers only when ``strEdate`` is the next day (docs/portal_apis.md), so the last
  day of every range is asked that way. The answer may therefore hold records
  of ``end`` + 1; the caller drops them after parsing.
* ``strOrgCd``/``strHoki`` only when a ``unit`` (gencd, hogi) is given. Without
  them the answer holds every plant and unit of the range, one record per
  (plant, unit, day); the caller keeps the units it wants.
* ``numOfRows`` = the page size (``[sources.pv] page_size``, 100 by default).
  The first page gives the record count (``<totalCnt>``, older answers
  ``<totalCount>``); the remaining pages are fetched concurrently. Pages come
  back in page order, byte for byte as sent.

Completeness. With ``<totalCnt>``/``<totalCount>`` present, every page must
hold exactly the records that count and ``numOfRows`` promise for it
(``numOfRows`` on every page but the last, the rest on the last), and every
page must repeat the first page's count. A page that does not is asked again
by the client (retry reason ``"incomplete page"``, its backoff and budget);
if it stays short, :class:`IncompleteAnswerError` fails the query and
nothing of it is returned, so its unit-days stay incomplete and the next run
asks again. A first page without records whose count says there are some is
such a short page, not "no data". Without a count only the old rule is
available: a short first page is the last one.

A range may cover at most :data:`MAX_RANGE_DAYS` days (the API takes up to
one year per query); a longer one is a ``ValueError`` before any request. Code
03, or a first page without records, raises :class:`NoDataError`. Success
headers are ``800`` (``NORMAL_SERVICE.``) or ``00``; telling them from error
codes is :func:`portal.raise_for_portal_error`'s job,
through :class:`PortalClient`. :mod:`sources.pv_plan` decides which queries
to send for a set of missing (plant, unit, day).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from sources.base import PV, ymd
from sources.concurrency import gather_all
from sources.errors import MalformedBodyError, NoDataError
from sources.http_client import PageCheck, PortalClient, describe
from sources.pv_xml import item_elements, page_check, parse_success, total_count

PATH = "/B552520/PwrSunLightInfo/getDataService"
#: Records per page unless configured (``[sources.pv] page_size``).
DEFAULT_PAGE_SIZE = 100
#: The longest ``start``..``end`` (inclusive) one query may cover.
MAX_RANGE_DAYS = 366


class LiveNambuPvSource:
    """PV range pages from the live API through a shared :class:`PortalClient`."""

    def __init__(self, client: PortalClient, *, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        self.client = client
        self.page_size = page_size

    def params(
        self, start: date, end: date, unit: tuple[str, int] | None, page: int
    ) -> dict[str, str | int]:
        """One page's query parameters, ``strEdate`` = ``end`` + 1 (the client adds the key)."""
        params: dict[str, str | int] = {
            "pageNo": page,
            "numOfRows": self.page_size,
            "strSdate": ymd(start),
            "strEdate": ymd(end + timedelta(days=1)),
        }
        if unit is not None:
            gencd, hogi = unit
            params["strOrgCd"] = gencd
            params["strHoki"] = hogi
        return params

    async def fetch_range(
        self, start: date, end: date, unit: tuple[str, int] | None = None
    ) -> list[bytes]:
        """The raw pages of one query for ``start``..``end`` (of ``unit``, or of every unit)."""
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        days = (end - start) // timedelta(days=1) + 1
        if days > MAX_RANGE_DAYS:
            raise ValueError(
                f"{start}..{end} is {days} days; one PV query covers at most {MAX_RANGE_DAYS} "
                "(split it, see sources.pv_plan)"
            )
        first_params = self.params(start, end, unit, 1)
        what = describe(PATH, first_params)
        first = await self.client.get(
            PATH, first_params, source=PV, check=page_check(1, self.page_size, what=what)
        )
        root = parse_success(first, what=what)
        records = len(item_elements(root))
        total = total_count(root, what=what)
        if records == 0:
            # An empty <items> with code 800/00 is this API's other way of
            # saying 03 (the page check has made sure no count says otherwise).
            raise NoDataError("03", f"no records for {what}", source=PV)
        if total is None:
            if records < self.page_size:
                return [first]  # a short page is the last one
            raise MalformedBodyError(
                f"{PV}: {what}: a full first page without <totalCnt>; "
                "cannot tell how many pages follow",
                source=PV,
            )
        pages = max(1, math.ceil(total / self.page_size))
        rest = await gather_all(
            self._page(start, end, unit, page, total) for page in range(2, pages + 1)
        )
        return [first, *rest]

    async def _page(
        self, start: date, end: date, unit: tuple[str, int] | None, page: int, total: int
    ) -> bytes:
        params = self.params(start, end, unit, page)
        check: PageCheck = page_check(page, self.page_size, total, what=describe(PATH, params))
        return await self.client.get(PATH, params, source=PV, check=check)
