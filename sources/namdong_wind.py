"""Namdong wind hourly generation, live (``B551893/wind-power-by-hour/list``).

Paging starts at ``page=1`` and ends at the first page without records
(``body.content`` empty or absent, or code 03 on a later page); that page is
not returned. Pages are fetched one after the other because their number is
not known in advance. Two guards stop a server that ignores ``page``: a page
identical to the one before it, and ``max_pages``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from plugins.python_backend.payloads import load_json_response
from registry.errors import TransformInputError
from sources.base import WIND, ymd
from sources.errors import MalformedBodyError, NoDataError, SourceError
from sources.http_client import PortalClient, describe

PATH = "/B551893/wind-power-by-hour/list"
#: The legacy collector's page size.
DEFAULT_PAGE_SIZE = 100
#: A month of three units is ~93 records; this bound only stops runaway paging.
DEFAULT_MAX_PAGES = 1000


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
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        pages: list[bytes] = []
        for page in range(1, self.max_pages + 1):
            params = self.params(start, end, page)
            what = describe(PATH, params)
            try:
                body = await self.client.get(PATH, params, source=WIND)
            except NoDataError:
                if pages:
                    break  # some servers answer 03 instead of an empty page at the end
                raise
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
        if not pages:
            raise NoDataError("03", f"no records for {start}..{end}", source=WIND)
        return pages
