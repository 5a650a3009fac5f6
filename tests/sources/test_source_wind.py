"""Live Namdong wind source against a local server serving the recorded-shape month."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from werkzeug import Request, Response

from sources.errors import NoDataError, SourceError
from sources.namdong_wind import PATH, LiveWindSource
from sources.replay import Catalog

START, END = date(2024, 1, 1), date(2024, 1, 31)


def recorded_pages() -> list[bytes]:
    catalog = Catalog.load()
    return [catalog.read(rel) for rel in catalog.wind[0].files]


def page_server(pages: list[bytes], *, end: bytes | None = None) -> Any:
    """Serve ``pages`` by ``page`` number, then ``end`` (an empty page by default)."""
    empty = json.dumps({"response": {"header": {"resultCode": "00"}, "body": {"content": []}}}).encode()

    def handler(request: Request) -> Response:
        n = int(request.args["page"])
        body = pages[n - 1] if n <= len(pages) else (end if end is not None else empty)
        return Response(body, content_type="application/json;charset=UTF-8")

    return handler


def fetch(kit: Any, **source_kw: Any) -> list[bytes]:
    async def fn(client: Any) -> list[bytes]:
        return await LiveWindSource(client, **source_kw).fetch(START, END)

    return kit.run(fn)


def test_pages_until_the_first_empty_page(kit):
    pages = recorded_pages()
    kit.expect(PATH).respond_with_handler(page_server(pages))

    got = fetch(kit)

    assert got == pages  # the empty terminator is not returned
    assert [kit.params(i)["page"] for i in range(4)] == ["1", "2", "3", "4"]
    assert kit.params(0) == {"size": "100", "page": "1", "startD": "20240101", "endD": "20240131"}


def test_misspelt_reponse_page_is_a_page_like_any_other(kit):
    pages = recorded_pages()
    assert json.loads(pages[1]).keys() == {"reponse"}  # the recording has the misspelling
    kit.expect(PATH).respond_with_handler(page_server(pages))

    assert fetch(kit)[1] == pages[1]


def test_no_data_code_after_some_pages_ends_paging(kit):
    pages = recorded_pages()
    kit.expect(PATH).respond_with_handler(page_server(pages, end=kit.json_error("03", "NO_DATA").encode()))

    assert fetch(kit) == pages


def test_no_records_at_all_raises_no_data(kit):
    kit.expect(PATH).respond_with_handler(page_server([]))

    with pytest.raises(NoDataError):
        fetch(kit)


def test_server_that_ignores_page_is_caught(kit):
    pages = recorded_pages()
    kit.expect(PATH).respond_with_data(pages[0])

    with pytest.raises(SourceError, match="ignores 'page'"):
        fetch(kit)

    assert len(kit.requests()) == 2


def test_runaway_paging_stops_at_max_pages(kit):
    def endless(request: Request) -> Response:
        n = request.args["page"]
        record = {"dgenYmd": "20240101", "ippt": "X", "hogi": 1, "ipptNam": "n", "qhorGen01": int(n)}
        return Response(json.dumps({"response": {"body": {"content": [record]}}}))

    kit.expect(PATH).respond_with_handler(endless)

    with pytest.raises(SourceError, match="within 5 pages"):
        fetch(kit, max_pages=5)
