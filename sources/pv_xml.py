"""Reading the items and the record count of a Nambu PV XML body (both shapes).

Shape A: ``<items><item>..</item>..</items>``; shape B: one record's fields
written directly under ``<items>``. The record count is ``<totalCnt>`` inside
``<body>`` (older answers: ``<totalCount>``). The records themselves (and
their ``ymd``, ``YYYY-MM-DD`` or the older ``YYYYMMDD``) are read by T4
``pv_to_long``; this module only counts them, for paging and for "no data".
Used by the live PV source and by the schema-drift check; :func:`page_check`
is the live source's completeness check of one page (see
:mod:`sources.nambu_pv`).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from foundations.errors import TransformInputError
from portal import load_xml_response
from sources.base import PV
from sources.errors import MalformedBodyError
from sources.http_client import PageCheck, Shortfall, page_shortfall


def parse_success(body: bytes, *, what: str) -> Element:
    """The root of a success body; error bodies raise PortalError, bad XML MalformedBodyError."""
    try:
        return load_xml_response(body, source=PV)
    except TransformInputError as exc:
        raise MalformedBodyError(f"{PV}: {what}: {exc}", source=PV) from None


def items_element(root: Element) -> Element | None:
    return root if root.tag == "items" else root.find(".//items")


def item_elements(root: Element) -> list[Element]:
    """The record elements of a parsed body, whichever shape it has."""
    items = items_element(root)
    if items is None:
        return []
    listed = items.findall("item")
    if listed:
        return listed
    # Shape B: the fields themselves are the children of <items>.
    return [items] if len(items) else []


#: The names of the record-count element, current first.
TOTAL_COUNT_TAGS = ("totalCnt", "totalCount")


def total_count(root: Element, *, what: str) -> int | None:
    """``<body><totalCnt>`` (or ``<totalCount>``) of a parsed body; ``None`` if it has neither.

    A count that is not a non-negative integer raises MalformedBodyError.
    """
    body = root if root.tag == "body" else root.find(".//body")
    scope = body if body is not None else root
    for tag in TOTAL_COUNT_TAGS:
        elem = scope.find(tag)
        if elem is None:
            continue
        text = (elem.text or "").strip()
        if not (text.isascii() and text.isdigit()):
            raise MalformedBodyError(f"{PV}: {what}: <{tag}> is not a count: {text!r}", source=PV)
        return int(text)
    return None


def page_check(page: int, page_size: int, total: int | None = None, *, what: str) -> PageCheck:
    """The completeness check of PV page ``page`` against its record count.

    ``total``: the first page's count, which every later page must repeat;
    ``None`` for the first page itself. A body without a count can only be
    checked by the caller's paging rule (a short page is the last one), so it
    passes. ``what`` names the request in a MalformedBodyError.
    """

    def check(body: bytes) -> Shortfall | None:
        root = parse_success(body, what=what)
        declared_total = total_count(root, what=what)
        if declared_total is None:
            if total is None:
                return None
            return Shortfall(
                declared=total,
                received=len(item_elements(root)),
                detail=f"page {page} has no <totalCnt>, page 1 declared {total} records",
            )
        received = len(item_elements(root))
        return page_shortfall(page, page_size, total, declared_total, received, "<totalCnt>")

    return check
