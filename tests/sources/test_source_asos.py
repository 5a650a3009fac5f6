"""Live ASOS source against a local server that pages a recorded-shape day."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pytest
from werkzeug import Request, Response

from sources.errors import FatalPortalError, MalformedBodyError, NoDataError
from sources.kma_asos import PATH, LiveAsosSource
from sources.replay import Catalog

DAY = date(2024, 1, 30)


def sample_items() -> list[dict[str, str]]:
    catalog = Catalog.load()
    doc = json.loads(catalog.read(catalog.asos[(108, DAY)]))
    return doc["response"]["body"]["items"]["item"]


def paging_handler(items: list[dict[str, str]]) -> Any:
    """Serve ``items`` the way the API pages them (pageNo, numOfRows, totalCount)."""

    def handler(request: Request) -> Response:
        page = int(request.args["pageNo"])
        size = int(request.args["numOfRows"])
        chunk = items[(page - 1) * size : page * size]
        doc = {
            "response": {
                "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                "body": {
                    "dataType": "JSON",
                    "items": {"item": chunk},
                    "pageNo": page,
                    "numOfRows": size,
                    "totalCount": len(items),
                },
            }
        }
        return Response(json.dumps(doc, ensure_ascii=False), content_type="application/json;charset=UTF-8")

    return handler


def fetch(kit: Any, *, page_size: int = 999, station: int = 108) -> list[bytes]:
    async def fn(client: Any) -> list[bytes]:
        return await LiveAsosSource(client, page_size=page_size).fetch(station, DAY)

    return kit.run(fn)


def test_one_day_is_one_request_with_the_documented_parameters(kit):
    items = sample_items()
    kit.expect(PATH).respond_with_handler(paging_handler(items))

    pages = fetch(kit)

    assert len(pages) == 1
    assert json.loads(pages[0])["response"]["body"]["items"]["item"] == items
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


def test_pages_follow_total_count_and_come_back_in_page_order(kit):
    items = sample_items()
    kit.expect(PATH).respond_with_handler(paging_handler(items))

    pages = fetch(kit, page_size=10)

    assert len(pages) == math.ceil(24 / 10)
    got = [i for p in pages for i in json.loads(p)["response"]["body"]["items"]["item"]]
    assert got == items
    assert sorted(int(kit.params(i)["pageNo"]) for i in range(3)) == [1, 2, 3]


def test_no_data_code_raises_no_data(kit):
    kit.expect(PATH).respond_with_data(kit.json_error("03", "NO_DATA"))

    with pytest.raises(NoDataError):
        fetch(kit)


def test_zero_total_count_raises_no_data(kit):
    kit.expect(PATH).respond_with_handler(paging_handler([]))

    with pytest.raises(NoDataError):
        fetch(kit)


def test_fatal_error_on_a_later_page_stops_the_fetch(kit):
    items = sample_items()
    handler = paging_handler(items)

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
