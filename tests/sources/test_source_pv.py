"""Live Nambu PV source: one body per day, the "next day" quirk, both XML shapes."""

from __future__ import annotations

import importlib.util
from datetime import date
from typing import Any

import pytest
from werkzeug import Request, Response

from plugins.python_backend.payloads import load_xml_response
from sources.errors import FatalPortalError, NoDataError
from sources.nambu_pv import PATH, LiveNambuPvSource
from sources.pv_xml import item_elements
from sources.replay import Catalog

DAY = date(2024, 1, 30)
EMPTY = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode>'
    "<resultMsg>NORMAL SERVICE.</resultMsg></header><body><items/><numOfRows>10</numOfRows>"
    "<pageNo>1</pageNo><totalCount>0</totalCount></body></response>"
)


def recorded(gencd: str, hogi: int, day: date) -> bytes:
    catalog = Catalog.load()
    return catalog.read(catalog.pv[(gencd, hogi, day)].file)


def by_end_date(answers: dict[str, bytes | str]) -> Any:
    def handler(request: Request) -> Response:
        return Response(answers[request.args["strEdate"]], content_type="text/xml;charset=UTF-8")

    return handler


def fetch(kit: Any, gencd: str, hogi: int, day: date = DAY) -> tuple[bytes, int]:
    async def fn(client: Any) -> tuple[bytes, int]:
        pv = LiveNambuPvSource(client)
        body = await pv.fetch_day(gencd, hogi, day)
        return body, pv.next_day_requests

    return kit.run(fn)


def test_a_day_with_items_is_one_request_returned_verbatim(kit):
    body = recorded("B997", 1, DAY)
    kit.expect(PATH).respond_with_data(body)

    got, next_day = fetch(kit, "B997", 1)

    assert got == body and next_day == 0
    assert kit.params(0) == {
        "pageNo": "1",
        "numOfRows": "10",
        "strSdate": "20240130",
        "strEdate": "20240130",
        "strOrgCd": "B997",
        "strHoki": "1",
    }


def test_shape_b_single_record_counts_as_items(kit):
    body = recorded("H997", 1, DAY)
    assert b"<item>" not in body
    kit.expect(PATH).respond_with_data(body)

    got, next_day = fetch(kit, "H997", 1)

    assert got == body and next_day == 0


@pytest.mark.parametrize("first", ["empty", "code03"])
def test_next_day_quirk_keeps_only_the_asked_day(kit, first):
    two_days = recorded("H997", 3, DAY)  # recorded with strEdate = day + 1
    assert two_days.count(b"<ymd>") == 2
    answers = {
        "20240130": EMPTY if first == "empty" else kit.xml_error("03"),
        "20240131": two_days,
    }
    kit.expect(PATH).respond_with_handler(by_end_date(answers))

    got, next_day = fetch(kit, "H997", 3)

    assert next_day == 1
    assert [kit.params(i)["strEdate"] for i in range(2)] == ["20240130", "20240131"]
    root = load_xml_response(got, source="pv")  # still a valid success body
    items = item_elements(root)
    assert [i.findtext("ymd") for i in items] == ["20240130"]
    assert root.findtext(".//totalCount") == "1"


def test_next_day_quirk_output_is_read_by_t4(kit):
    if importlib.util.find_spec("plugins.python_backend.pv") is None:
        pytest.skip("plugins/python_backend/pv.py (T4) is not written yet")
    from plugins.python_backend.pv import pv_to_long

    answers = {"20240130": EMPTY, "20240131": recorded("H997", 3, DAY)}
    kit.expect(PATH).respond_with_handler(by_end_date(answers))

    got, _ = fetch(kit, "H997", 3)
    out = pv_to_long(got)

    assert len(out.frame) == 24
    assert set(out.frame["datetime"].dt.date) == {DAY}


def test_no_items_on_either_request_raises_no_data(kit):
    answers = {"20240130": EMPTY, "20240131": kit.xml_error("03")}
    kit.expect(PATH).respond_with_handler(by_end_date(answers))

    with pytest.raises(NoDataError, match="also with strEdate=20240131"):
        fetch(kit, "B997", 1)

    assert len(kit.requests()) == 2


def test_next_day_answer_without_the_asked_day_raises_no_data(kit):
    only_next = recorded("B997", 1, date(2024, 1, 31))
    answers = {"20240130": EMPTY, "20240131": only_next}
    kit.expect(PATH).respond_with_handler(by_end_date(answers))

    with pytest.raises(NoDataError):
        fetch(kit, "B997", 1)


def test_gateway_error_is_fatal_and_does_not_trigger_the_quirk(kit):
    kit.expect(PATH).respond_with_data(kit.gateway_error("32", "UNREGISTERED_IP_ERROR"))

    with pytest.raises(FatalPortalError) as info:
        fetch(kit, "B997", 1)

    assert info.value.code == "32"
    assert len(kit.requests()) == 1
