"""Reading the items and the record count of a Nambu PV XML body (both shapes).

Shape A: ``<items><item>..</item>..</items>``; shape B: one record's fields
written directly under ``<items>``. The record count is ``<totalCnt>`` inside
``<body>`` (older answers: ``<totalCount>``). The records themselves (and
their ``ymd``, ``YYYY-MM-DD`` or the older ``YYYYMMDD``) are read by T4
``pv_to_long``; this module only counts them, for paging and for "no data".
Used by the live PV source and by the schema-drift check.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from plugins.python_backend.payloads import load_xml_response
from registry.errors import TransformInputError
from sources.base import PV
from sources.errors import MalformedBodyError


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
