"""Live Namdong wind source: one query a month, paging until an empty page, real ``reponse`` format."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from werkzeug import Request, Response

from sources.errors import NoDataError, SourceError
from sources.namdong_wind import PATH, LiveWindSource, month_ranges, wind_request_estimate
from tests.sources.real_format import WIND_UNITS, wind_page, wind_records

START, END = date(2024, 1, 1), date(2024, 1, 31)
JSON = "application/json;charset=UTF-8"


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def portal(
    *, key: str = "reponse", end: str | None = None, empty_months: frozenset[int] = frozenset()
) -> Any:
    """The wind API: records of startD..endD paged by size/page, no totalCount, then an empty page.

    ``end`` replaces the empty page after the last one (e.g. a code-03 body).
    """

    def handler(request: Request) -> Response:
        args = request.args
        first, last = _day(args["startD"]), _day(args["endD"])
        records = [] if first.month in empty_months else wind_records(first, last)
        page, size = int(args["page"]), int(args["size"])
        chunk = records[(page - 1) * size : page * size]
        body = end if (not chunk and end is not None) else wind_page(chunk, key=key)
        return Response(body, content_type=JSON)

    return handler


def fetch(kit: Any, start: date = START, end: date = END, **source_kw: Any) -> list[bytes]:
    async def fn(client: Any) -> list[bytes]:
        return await LiveWindSource(client, **source_kw).fetch(start, end)

    return kit.run(fn)


def content(pages: list[bytes]) -> list[dict[str, Any]]:
    out = []
    for page in pages:
        doc = json.loads(page)
        out += (doc.get("reponse") or doc["response"])["body"]["content"]
    return out


def test_reponse_pages_until_the_first_empty_page(kit):
    kit.expect(PATH).respond_with_handler(portal())

    pages = fetch(kit, page_size=40)  # 31 days x 3 units = 93 records: 3 pages, then the empty 4th

    assert len(pages) == 3
    assert all(json.loads(p).keys() == {"reponse"} for p in pages)
    assert content(pages) == wind_records(START, END)
    assert [kit.params(i)["page"] for i in range(4)] == ["1", "2", "3", "4"]
    assert len(kit.requests()) == 4 == wind_request_estimate(31, len(WIND_UNITS), 40)
    assert kit.params(0) == {"size": "40", "page": "1", "startD": "20240101", "endD": "20240131"}


def test_correctly_spelt_response_works_the_same(kit):
    kit.expect(PATH).respond_with_handler(portal(key="response"))

    assert content(fetch(kit)) == wind_records(START, END)


def test_a_range_is_one_query_per_calendar_month_in_date_order(kit):
    kit.expect(PATH).respond_with_handler(portal())
    start, end = date(2024, 1, 20), date(2024, 3, 5)

    pages = fetch(kit, start, end)

    assert content(pages) == wind_records(start, end)
    asked = sorted(
        {(kit.params(i)["startD"], kit.params(i)["endD"]) for i in range(len(kit.requests()))}
    )
    assert asked == [("20240120", "20240131"), ("20240201", "20240229"), ("20240301", "20240305")]
    assert len(kit.requests()) == 6  # per month: one page of records and the empty page


def test_month_ranges_cut_at_month_ends():
    assert month_ranges(date(2023, 12, 31), date(2024, 2, 1)) == [
        (date(2023, 12, 31), date(2023, 12, 31)),
        (date(2024, 1, 1), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 1)),
    ]
    assert month_ranges(START, START) == [(START, START)]
    with pytest.raises(ValueError):
        month_ranges(END, START)


def test_a_month_without_records_contributes_no_page(kit):
    kit.expect(PATH).respond_with_handler(portal(empty_months=frozenset({2})))

    pages = fetch(kit, date(2024, 1, 31), date(2024, 3, 1))

    assert content(pages) == wind_records(date(2024, 1, 31), date(2024, 1, 31)) + wind_records(
        date(2024, 3, 1), date(2024, 3, 1)
    )


def test_no_data_code_after_some_pages_ends_paging(kit):
    kit.expect(PATH).respond_with_handler(portal(end=kit.json_error("03", "NO_DATA")))

    assert content(fetch(kit, page_size=40)) == wind_records(START, END)


@pytest.mark.parametrize("answer", ["empty", "code03"])
def test_no_records_at_all_raises_no_data(kit, answer):
    if answer == "empty":
        kit.expect(PATH).respond_with_handler(portal(empty_months=frozenset({1, 2})))
    else:
        kit.expect(PATH).respond_with_data(kit.json_error("03", "NO_DATA"))

    with pytest.raises(NoDataError):
        fetch(kit, date(2024, 1, 1), date(2024, 2, 10))


def test_server_that_ignores_page_is_caught(kit):
    kit.expect(PATH).respond_with_data(wind_page(wind_records(START, START)), content_type=JSON)

    with pytest.raises(SourceError, match="ignores 'page'"):
        fetch(kit)

    assert len(kit.requests()) == 2


def test_runaway_paging_stops_at_max_pages(kit):
    def endless(request: Request) -> Response:
        n = request.args["page"]
        record = {
            "dgenYmd": "2024-01-01",
            "ippt": "X",
            "hogi": "1",
            "ipptNam": "n",
            "qhorGen01": int(n),
        }
        return Response(wind_page([record]), content_type=JSON)

    kit.expect(PATH).respond_with_handler(endless)

    # Full pages (size 1): a short page followed by records would be an
    # incomplete answer instead (test_source_completeness.py).
    with pytest.raises(SourceError, match="within 5 pages"):
        fetch(kit, max_pages=5, page_size=1)


@pytest.mark.parametrize(
    ("days", "units", "page_size", "expected"),
    [(31, 5, 100, 3), (20, 5, 100, 2), (0, 5, 100, 1), (30, 5, 150, 2), (31, 3, 40, 4)],
)
def test_request_estimate_is_record_pages_plus_the_empty_page(days, units, page_size, expected):
    assert wind_request_estimate(days, units, page_size) == expected


def test_request_estimate_rejects_bad_arguments():
    with pytest.raises(ValueError):
        wind_request_estimate(-1)
    with pytest.raises(ValueError):
        wind_request_estimate(1, page_size=0)
