"""Completeness: a page holding fewer records than its answer declares is never a finished answer.

The probe's case: an ASOS answer declaring ``totalCount`` 24 with 12 items was
returned as complete (12 rows stored for the day, never asked again). Now the
client asks such a page again (retry reason ``"incomplete page"``, backoff and
ledger as for any retry) and, if it stays short, the source raises
:class:`IncompleteAnswerError` instead of returning anything. The servers here
are the local HTTP server of ``conftest.py``; each handler counts the pages it
has served so that it can be short a given number of times.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import pytest
from werkzeug import Request, Response

from sources import IncompleteAnswerError, NoDataError
from sources.budget import CountingLedger
from sources.kma_asos import PATH as ASOS_PATH
from sources.kma_asos import LiveAsosSource
from sources.nambu_pv import PATH as PV_PATH
from sources.nambu_pv import LiveNambuPvSource
from sources.namdong_wind import PATH as WIND_PATH
from sources.namdong_wind import LiveWindSource
from sources.pv_xml import item_elements, parse_success
from tests.sources.real_format import (
    asos_page,
    asos_records,
    pv_page,
    pv_record,
    wind_page,
    wind_records,
)

DAY = date(2024, 1, 30)
JSON = "application/json;charset=UTF-8"
XML = "text/xml;charset=UTF-8"
ATTEMPTS = 4  # the kit's client: max_retries=3


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


class Served:
    """How often each page was served, and how many times to serve it short."""

    def __init__(
        self, short: dict[int, int] | None = None, *, always: frozenset[int] = frozenset()
    ) -> None:
        self.short = dict(short or {})
        self.always = always
        self.count: Counter[int] = Counter()

    def is_short(self, page: int) -> bool:
        self.count[page] += 1
        if page in self.always:
            return True
        if self.short.get(page, 0) > 0:
            self.short[page] -= 1
            return True
        return False


def asos_portal(served: Served, *, keep: int = 12, total_of: dict[int, int] | None = None) -> Any:
    """The ASOS API; a short page keeps ``keep`` of its items and the real ``totalCount``."""

    def handler(request: Request) -> Response:
        args = request.args
        items = asos_records(int(args["stnIds"]), _day(args["startDt"]), _day(args["endDt"]))
        page, size = int(args["pageNo"]), int(args["numOfRows"])
        chunk = items[(page - 1) * size : page * size]
        if served.is_short(page):
            chunk = chunk[:keep]
        total = (total_of or {}).get(page, len(items))
        body = asos_page(chunk, page_no=page, num_of_rows=size, total=total)
        return Response(body, content_type=JSON)

    return handler


def asos_items(pages: list[bytes]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for page in pages:
        item = json.loads(page)["response"]["body"]["items"]["item"]
        out += item if isinstance(item, list) else [item]
    return out


def fetch_asos(
    kit: Any, start: date = DAY, end: date = DAY, *, page_size: int = 999, **client_kw: Any
) -> Any:
    async def fn(client: Any) -> Any:
        pages = await LiveAsosSource(client, page_size=page_size).fetch_range(108, start, end)
        return pages, client.stats

    return kit.run(fn, **client_kw)


# -- ASOS -----------------------------------------------------------------------------


def test_asos_total_24_with_12_items_is_retried_then_an_incomplete_answer_error(kit):
    served = Served(always=frozenset({1}))
    kit.expect(ASOS_PATH).respond_with_handler(asos_portal(served))
    ledger = CountingLedger({"asos": 100})

    with pytest.raises(IncompleteAnswerError) as caught:
        fetch_asos(kit, ledger=ledger)

    err = caught.value
    assert (err.source, err.declared, err.received, err.attempts) == ("asos", 24, 12, ATTEMPTS)
    # Asked max_retries + 1 times, each attempt charged to the budget like any retry.
    assert len(kit.requests()) == ATTEMPTS == ledger.spent("asos")
    assert len(kit.sleep.delays) == ATTEMPTS - 1
    text = str(err)
    assert "declared 24 records, received 12" in text
    assert "pageNo=1" in text and "stnIds=108" in text and "startDt=20240130" in text
    assert "Run again later" in text and "next run asks for them again" in text
    kit.assert_no_secret(*kit.exception_texts(err))
    kit.assert_no_secret(*kit.exception_texts(err), secret=kit.encoded_key)


def test_asos_short_once_then_complete_succeeds_with_one_retry(kit):
    served = Served({1: 1})
    kit.expect(ASOS_PATH).respond_with_handler(asos_portal(served))

    pages, stats = fetch_asos(kit)

    # The complete answer, not the short one.
    assert asos_items(pages) == asos_records(108, DAY, DAY)
    assert len(kit.requests()) == 2
    assert stats.retries == 1
    assert stats.retry_reasons == {"incomplete page": 1}


def test_asos_short_non_last_page_is_asked_again_and_only_that_page(kit):
    # 72 hours at 30 a page: pages of 30, 30, 12; page 2 comes back with 20 once.
    start, end = date(2024, 1, 1), date(2024, 1, 3)
    served = Served({2: 1})
    kit.expect(ASOS_PATH).respond_with_handler(asos_portal(served, keep=20))

    pages, stats = fetch_asos(kit, start, end, page_size=30)

    assert asos_items(pages) == asos_records(108, start, end)
    assert served.count == Counter({1: 1, 2: 2, 3: 1})
    assert stats.retry_reasons == {"incomplete page": 1}


def test_asos_short_non_last_page_that_stays_short_names_the_page(kit):
    start, end = date(2024, 1, 1), date(2024, 1, 3)
    served = Served(always=frozenset({2}))
    kit.expect(ASOS_PATH).respond_with_handler(asos_portal(served, keep=20))

    with pytest.raises(IncompleteAnswerError) as caught:
        fetch_asos(kit, start, end, page_size=30)

    err = caught.value
    assert (err.declared, err.received) == (30, 20)
    assert "pageNo=2" in err.request
    assert "page 2 of 3: totalCount 72 and numOfRows 30" in str(err)
    assert served.count[2] == ATTEMPTS


def test_asos_total_count_changing_between_pages_is_incomplete(kit):
    start, end = date(2024, 1, 1), date(2024, 1, 3)
    kit.expect(ASOS_PATH).respond_with_handler(asos_portal(Served(), total_of={2: 60}))

    expected = "page 2 declares totalCount 60, page 1 declared 72"
    with pytest.raises(IncompleteAnswerError, match=expected):
        fetch_asos(kit, start, end, page_size=30)


def test_asos_pages_repeating_each_others_hours_are_incomplete(kit):
    # Every page has the count it declares, but the server ignores pageNo: 24
    # distinct hours where totalCount and the range promise 48.
    start, end = date(2024, 1, 1), date(2024, 1, 2)

    def ignores_page(request: Request) -> Response:
        items = asos_records(108, start, end)
        size = int(request.args["numOfRows"])
        body = asos_page(items[:size], page_no=1, num_of_rows=size, total=48)
        return Response(body, content_type=JSON)

    kit.expect(ASOS_PATH).respond_with_handler(ignores_page)

    with pytest.raises(IncompleteAnswerError) as caught:
        fetch_asos(kit, start, end, page_size=24)

    assert (caught.value.declared, caught.value.received) == (48, 24)
    assert "distinct hours" in str(caught.value)


def test_asos_total_smaller_than_the_hours_asked_is_a_station_outage_and_accepted(kit):
    # Guard against over-strictness: the API holds 12 hours of the day (an
    # outage); the answer holds all it declares, so it is returned unretried.
    hours = asos_records(108, DAY, DAY)[:12]
    body = asos_page(hours, page_no=1, num_of_rows=999, total=12)
    kit.expect(ASOS_PATH).respond_with_data(body, content_type=JSON)

    pages, stats = fetch_asos(kit)

    assert asos_items(pages) == hours
    assert len(kit.requests()) == 1
    assert stats.retries == 0 and stats.retry_reasons == {}


def test_asos_correct_multi_page_answer_is_unaffected(kit):
    start, end = date(2024, 1, 1), date(2024, 1, 3)
    served = Served()
    kit.expect(ASOS_PATH).respond_with_handler(asos_portal(served))

    pages, stats = fetch_asos(kit, start, end, page_size=30)

    assert asos_items(pages) == asos_records(108, start, end)
    assert served.count == Counter({1: 1, 2: 1, 3: 1})
    assert stats.retries == 0 and stats.retry_reasons == {}


# -- PV -------------------------------------------------------------------------------

PV_UNITS = (("997S", 1), ("997S", 2), ("B997", 1))
PV_DAY = date(2024, 6, 1)


def pv_portal(served: Served, *, keep: int = 1) -> Any:
    """The PV API (3 units): a short page keeps ``keep`` records and its ``totalCnt``."""

    def handler(request: Request) -> Response:
        args = request.args
        first, last = _day(args["strSdate"]), _day(args["strEdate"])
        records = []
        day = first
        while day <= last:
            records += [pv_record(day, g, h) for g, h in PV_UNITS]
            day = date.fromordinal(day.toordinal() + 1)
        page, size = int(args["pageNo"]), int(args["numOfRows"])
        chunk = records[(page - 1) * size : page * size]
        if served.is_short(page):
            chunk = chunk[:keep]
        body = pv_page(chunk, page_no=page, num_of_rows=size, total=len(records))
        return Response(body, content_type=XML)

    return handler


def fetch_pv(kit: Any, *, page_size: int = 2) -> Any:
    async def fn(client: Any) -> Any:
        pages = await LiveNambuPvSource(client, page_size=page_size).fetch_range(PV_DAY, PV_DAY)
        return pages, client.stats

    return kit.run(fn)


def pv_count(pages: list[bytes]) -> int:
    return sum(len(item_elements(parse_success(p, what="test"))) for p in pages)


def test_pv_short_non_last_page_stays_short_incomplete_answer_error(kit):
    # strSdate..strEdate = 2 days x 3 units = 6 records, pages of 2: page 2 holds 1.
    served = Served(always=frozenset({2}))
    kit.expect(PV_PATH).respond_with_handler(pv_portal(served))

    with pytest.raises(IncompleteAnswerError) as caught:
        fetch_pv(kit)

    err = caught.value
    assert (err.source, err.declared, err.received, err.attempts) == ("pv", 2, 1, ATTEMPTS)
    assert "pageNo=2" in err.request
    assert "<totalCnt> 6 and numOfRows 2" in str(err)
    assert served.count[2] == ATTEMPTS
    kit.assert_no_secret(*kit.exception_texts(err))


def test_pv_short_page_once_then_complete_succeeds_with_one_retry(kit):
    served = Served({3: 1})
    kit.expect(PV_PATH).respond_with_handler(pv_portal(served, keep=1))

    pages, stats = fetch_pv(kit)

    assert pv_count(pages) == 6
    assert served.count == Counter({1: 1, 2: 1, 3: 2})
    assert stats.retry_reasons == {"incomplete page": 1}


def test_pv_empty_first_page_whose_count_says_otherwise_is_not_no_data(kit):
    served = Served(always=frozenset({1}))
    kit.expect(PV_PATH).respond_with_handler(pv_portal(served, keep=0))

    with pytest.raises(IncompleteAnswerError) as caught:
        fetch_pv(kit)

    assert not isinstance(caught.value, NoDataError)
    assert (caught.value.declared, caught.value.received) == (2, 0)


def test_pv_correct_multi_page_answer_is_unaffected(kit):
    served = Served()
    kit.expect(PV_PATH).respond_with_handler(pv_portal(served))

    pages, stats = fetch_pv(kit)

    assert pv_count(pages) == 6
    assert served.count == Counter({1: 1, 2: 1, 3: 1})
    assert stats.retries == 0


# -- wind -----------------------------------------------------------------------------

WIND_START, WIND_END = date(2024, 1, 1), date(2024, 1, 31)  # 93 records


def wind_portal(served: Served, *, keep: int = 30) -> Any:
    """The wind API (no total); a short page keeps ``keep`` of its records."""

    def handler(request: Request) -> Response:
        args = request.args
        records = wind_records(_day(args["startD"]), _day(args["endD"]))
        page, size = int(args["page"]), int(args["size"])
        chunk = records[(page - 1) * size : page * size]
        if chunk and served.is_short(page):
            chunk = chunk[:keep]
        return Response(wind_page(chunk), content_type=JSON)

    return handler


def fetch_wind(kit: Any, *, page_size: int = 40, **client_kw: Any) -> Any:
    async def fn(client: Any) -> Any:
        pages = await LiveWindSource(client, page_size=page_size).fetch(WIND_START, WIND_END)
        return pages, client.stats

    return kit.run(fn, **client_kw)


def wind_content(pages: list[bytes]) -> list[dict[str, Any]]:
    return [r for p in pages for r in json.loads(p)["reponse"]["body"]["content"]]


def test_wind_short_page_followed_by_records_is_asked_again(kit):
    # Pages of 40: 40, 40, 13, then empty. Page 1 first comes back with 30.
    served = Served({1: 1})
    kit.expect(WIND_PATH).respond_with_handler(wind_portal(served))
    ledger = CountingLedger({"wind": 100})

    pages, stats = fetch_wind(kit, ledger=ledger)

    assert wind_content(pages) == wind_records(WIND_START, WIND_END)
    assert served.count[1] == 2
    assert stats.retries == 1 and stats.retry_reasons == {"incomplete page": 1}
    assert ledger.spent("wind") == 5  # 4 pages (the last one empty) + the page asked again


def test_wind_short_page_that_stays_short_is_an_incomplete_answer_error(kit):
    served = Served(always=frozenset({1}))
    kit.expect(WIND_PATH).respond_with_handler(wind_portal(served))

    with pytest.raises(IncompleteAnswerError) as caught:
        fetch_wind(kit)

    err = caught.value
    assert (err.source, err.declared, err.received, err.attempts) == ("wind", 40, 30, ATTEMPTS)
    assert "page=1" in err.request
    assert "[sources.wind] page_size" in str(err)
    # The first answer plus max_retries more: the same cost as any other retried page.
    assert served.count[1] == ATTEMPTS


def test_wind_short_last_page_followed_by_the_empty_page_is_the_normal_end(kit):
    served = Served()
    kit.expect(WIND_PATH).respond_with_handler(wind_portal(served))

    pages, stats = fetch_wind(kit)

    assert wind_content(pages) == wind_records(WIND_START, WIND_END)
    assert served.count == Counter({1: 1, 2: 1, 3: 1})  # the empty page 4 is not counted by Served
    assert stats.retries == 0
