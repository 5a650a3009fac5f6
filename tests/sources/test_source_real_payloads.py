"""The live sources read the real-format answer files (tests/fixtures/payloads/real/) as answers.

Each file is served as the API's answer; the source must accept it as a
success (PV ``800`` and ``00``, wind ``reponse``), read its record count for
paging (ASOS ``totalCount`` as a JSON number, PV ``totalCnt``) and return it
byte for byte. The gateway's error envelope must be the fatal code 30.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from werkzeug import Request, Response

from sources.errors import FatalPortalError
from sources.kma_asos import PATH as ASOS_PATH
from sources.kma_asos import LiveAsosSource
from sources.nambu_pv import PATH as PV_PATH
from sources.nambu_pv import LiveNambuPvSource
from sources.namdong_wind import PATH as WIND_PATH
from sources.namdong_wind import LiveWindSource
from tests.sources.real_format import wind_page

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "payloads" / "real"
DAY = date(2024, 6, 1)


def real(name: str) -> bytes:
    path = REAL / name
    if not path.exists():
        pytest.fail(f"real-format fixture {path} is missing")
    return path.read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "pv_nambu_997S_20240601_rc800_single_reconstructed.xml",
        "pv_nambu_997S_20240601_rc00_single_reconstructed.xml",
        "pv_nambu_997S_20240601_02_rc800_items_reconstructed.xml",
    ],
)
def test_pv_real_answers_are_one_page_returned_verbatim(kit, name):
    body = real(name)
    kit.expect(PV_PATH).respond_with_data(body, content_type="text/xml;charset=UTF-8")

    async def fn(client: Any) -> list[bytes]:
        return await LiveNambuPvSource(client, page_size=10).fetch_range(DAY, DAY, ("997S", 1))

    assert kit.run(fn) == [body]
    assert len(kit.requests()) == 1
    assert kit.params(0)["strEdate"] == "20240602"


def test_asos_real_page_with_numeric_paging_fields(kit):
    body = real("asos_hourly_108_20190120_page_reconstructed.json")
    kit.expect(ASOS_PATH).respond_with_data(body, content_type="application/json;charset=UTF-8")

    async def fn(client: Any) -> list[bytes]:
        return await LiveAsosSource(client).fetch(108, date(2019, 1, 20))

    assert kit.run(fn) == [body]  # totalCount 3 <= numOfRows: one page
    assert len(kit.requests()) == 1


@pytest.mark.parametrize(
    "name",
    [
        "wind_namdong_20220101_reponse_reconstructed.json",
        "wind_namdong_20251231_reponse_reconstructed.json",
    ],
)
def test_wind_real_reponse_page_then_empty_page(kit, name):
    body = real(name)

    def handler(request: Request) -> Response:
        page = body if request.args["page"] == "1" else wind_page([]).encode()
        return Response(page, content_type="application/json;charset=UTF-8")

    kit.expect(WIND_PATH).respond_with_handler(handler)

    async def fn(client: Any) -> list[bytes]:
        return await LiveWindSource(client).fetch(date(2022, 1, 1), date(2022, 1, 1))

    assert kit.run(fn) == [body]
    assert len(kit.requests()) == 2


def test_gateway_envelope_is_the_fatal_code_30(kit):
    kit.expect(PV_PATH).respond_with_data(real("gateway_error_key_not_registered.xml"))

    async def fn(client: Any) -> list[bytes]:
        return await LiveNambuPvSource(client).fetch_range(DAY, DAY)

    with pytest.raises(FatalPortalError) as info:
        kit.run(fn)

    assert info.value.code == "30"
    assert len(kit.requests()) == 1
