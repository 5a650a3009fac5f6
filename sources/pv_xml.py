"""Reading and filtering the items of a Nambu PV XML body (both shapes).

Shape A: ``<items><item>..</item>..</items>``; shape B: one record's fields
written directly under ``<items>``. Used by the live PV source and by the
replay, so the "next day" quirk is handled by the same code in both.
"""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element

from plugins.python_backend.payloads import load_xml_response
from registry.errors import TransformInputError
from sources.base import PV, ymd
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


def item_count(body: bytes, *, what: str) -> int:
    return len(item_elements(parse_success(body, what=what)))


def keep_day(body: bytes, day: date, *, what: str) -> tuple[bytes, int]:
    """``body`` re-serialised with only the items whose ``ymd`` is ``day``, and how many.

    The result is an XML document with the same root, header and body as the
    input (UTF-8, with an XML declaration), so T4 reads it like any answer;
    ``totalCount`` is set to the number of items kept. This is the legacy
    backfill's rule for answers fetched with ``strEdate`` = day + 1.
    """
    root = parse_success(body, what=what)
    items = items_element(root)
    wanted = ymd(day)
    kept = 0
    if items is not None:
        listed = items.findall("item")
        if listed:
            for item in listed:
                if (item.findtext("ymd") or "").strip() == wanted:
                    kept += 1
                else:
                    items.remove(item)
        elif len(items):
            if (items.findtext("ymd") or "").strip() == wanted:
                kept = 1
            else:
                for child in list(items):
                    items.remove(child)
    total = root.find(".//totalCount")
    if total is not None:
        total.text = str(kept)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), kept
