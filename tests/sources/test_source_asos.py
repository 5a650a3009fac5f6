"""Live ASOS source: range queries against a local server answering in the real format."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from werkzeug import Request, Response

from sources.errors import FatalPortalError, MalformedBodyError, NoDataError
from sources.kma_asos import PATH, LiveAsosSource, asos_request_count
from tests.sources.real_format import asos_page, asos_records

DAY = date(2024, 1, 30)


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def range_handler() -> Any:
    """Answer any ``stnIds``/``startDt``..``endDt`` query, paged by pageNo/numOfRows/totalCount."""

    def handler(request: Request) -> Response:
        args = request.args
        assert (args["startHh"], args["endHh"]) == ("00", "23")
        items = asos_records(int(args["stnIds"]), _day(args["startDt"]), _day(args["endDt"]))
        page, size = int(args["pageNo"]), int(args["numOfRows"])
        chunk = items[(page - 1) * size : page * size]
        body = asos_page(chunk, page_no=page, num_of_rows=size, total=len(items))
        return Response(body, content_type="application/json;charset=UTF-8")

    return handler


def items_of(pages: list[bytes]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for page in pages:
        item = json.loads(page)["response"]["body"]["items"]["item"]
        out += item if isinstance(item, list) else [item]
    return out


def fetch_range(
    kit: Any, start: date, end: date, *, page_size: int = 999, station: int = 108
) -> list[bytes]:
    async def fn(client: Any) -> list[bytes]:
        return await LiveAsosSource(client, page_size=page_size).fetch_range(station, start, end)

    return kit.run(fn)


def fetch(kit: Any, *, page_size: int = 999, station: int = 108) -> list[bytes]:
    async def fn(client: Any) -> list[bytes]:
        return await LiveAsosSource(client, page_size=page_size).fetch(station, DAY)

    return kit.run(fn)


def test_a_range_is_one_query_paged_by_total_count_one_request_per_page(kit):
    start, end = date(2024, 1, 1), date(2024, 1, 3)  # 72 hourly records
    kit.expect(PATH).respond_with_handler(range_handler())

    pages = fetch_range(kit, start, end, page_size=30)

    assert len(pages) == 3 == asos_request_count(start, end, page_size=30)
    assert len(kit.requests()) == 3  # one request per page, nothing asked twice
    assert items_of(pages) == asos_records(108, start, end)  # in page order, whole range
    assert sorted(kit.params(i)["pageNo"] for i in range(3)) == ["1", "2", "3"]
    for i in range(3):
        params = kit.params(i)
        assert (params["startDt"], params["endDt"], params["numOfRows"]) == (
            "20240101",
            "20240103",
            "30",
        )
        assert (params["stnIds"], params["dataCd"], params["dateCd"]) == ("108", "ASOS", "HR")


def test_forty_one_days_fit_one_page_of_999(kit):
    start, end = date(2024, 1, 1), date(2024, 2, 10)  # 41 days = 984 records
    kit.expect(PATH).respond_with_handler(range_handler())

    pages = fetch_range(kit, start, end)

    assert len(pages) == 1 and len(kit.requests()) == 1
    assert len(items_of(pages)) == 984


def test_one_day_is_a_one_day_range_with_the_documented_parameters(kit):
    kit.expect(PATH).respond_with_handler(range_handler())

    pages = fetch(kit)

    assert items_of(pages) == asos_records(108, DAY, DAY)
    assert kit.params(0) == {
        "pageNo": "1",
        "numOfRows": "999",
        "dataType": "JSON",
        "dataCd": "ASOS",
        "dateCd": "HR",
        "startDt": "20240130",
        "startHh": "00",
        "endDt": "20240130",
        "endHh": "23",
        "stnIds": "108",
    }


@pytest.mark.parametrize(
    ("days", "page_size", "expected"),
    [
        (1, 999, 1),
        (41, 999, 1),
        (42, 999, 2),
        (365, 999, 9),
        (366, 999, 9),
        (3, 30, 3),
        (10, 24, 10),
    ],
)
def test_request_count_is_hours_over_page_size_rounded_up(days, page_size, expected):
    start = date(2023, 1, 1)
    end = date.fromordinal(start.toordinal() + days - 1)

    assert asos_request_count(start, end, page_size) == expected


def test_request_count_rejects_bad_arguments():
    with pytest.raises(ValueError):
        asos_request_count(DAY, date(2024, 1, 29))
    with pytest.raises(ValueError):
        asos_request_count(DAY, DAY, page_size=1000)


def test_no_data_code_raises_no_data(kit):
    kit.expect(PATH).respond_with_data(kit.json_error("03", "NO_DATA"))

    with pytest.raises(NoDataError):
        fetch(kit)


def test_zero_total_count_raises_no_data(kit):
    kit.expect(PATH).respond_with_data(asos_page([], page_no=1, num_of_rows=999, total=0))

    with pytest.raises(NoDataError):
        fetch(kit)


def test_fatal_error_on_a_later_page_stops_the_fetch(kit):
    handler = range_handler()

    def flaky(request: Request) -> Response:
        if request.args["pageNo"] == "2":
            return Response(kit.gateway_error("20", "SERVICE_ACCESS_DENIED_ERROR"))
        return handler(request)

    kit.expect(PATH).respond_with_handler(flaky)

    with pytest.raises(FatalPortalError) as info:
        fetch(kit, page_size=10)

    assert info.value.code == "20"


@pytest.mark.parametrize(
    "body",
    [
        '{"response": {"header": {"resultCode": "00"}, "body": {"items": ',  # truncated
        "<html><body>502 Bad Gateway</body></html>",  # a proxy page with HTTP 200
        '{"response": {"header": {"resultCode": "00"}, "body": {"totalCount": "many"}}}',
        "[]",
    ],
)
def test_malformed_bodies_raise_malformed_and_are_not_retried(kit, body):
    kit.expect(PATH).respond_with_data(body)

    with pytest.raises(MalformedBodyError) as info:
        fetch(kit)

    assert "asos" in str(info.value) and "stnIds=108" in str(info.value)
    assert len(kit.requests()) == 1
    kit.assert_no_secret(*kit.exception_texts(info.value))
