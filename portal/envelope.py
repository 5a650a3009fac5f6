"""The portal's envelopes: error bodies to PortalError, success bodies to their document.

What counts as a portal error body (and raises
:class:`foundations.errors.PortalError` with the portal's code and message):

* JSON whose ``response`` (or the misspelt ``reponse``) object has a
  ``header.resultCode`` that is not a success code; the message is
  ``header.resultMsg``;
* XML whose ``header/resultCode`` (anywhere in the document) is not a success
  code;
* the gateway's XML envelope ``<OpenAPI_ServiceResponse><cmmMsgHeader>`` with
  ``returnReasonCode``, ``errMsg`` and ``returnAuthMsg``. The gateway sends it
  with HTTP 200 and even when JSON was asked for, so JSON readers check for it
  too.

The success codes are :data:`portal.codes.SUCCESS_CODES`; every other code
raises, ``"03"`` (no data) included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

from foundations.errors import PortalError, TransformInputError
from portal.bodies import as_bytes, looks_like_xml
from portal.codes import SUCCESS_CODES, UNKNOWN_CODE, code_text
from portal.parsing import parse_json, parse_xml

#: The top-level keys of a JSON body; the wind API sometimes misspells it.
RESPONSE_KEYS = ("response", "reponse")


def _text(elem: Element | None) -> str:
    return (elem.text or "").strip() if elem is not None else ""


# -- error detection ---------------------------------------------------------


def check_xml(root: Element, *, source: str) -> None:
    """Raise PortalError if a parsed XML document is a portal or gateway error body."""
    if root.tag == "OpenAPI_ServiceResponse":
        header = root.find("cmmMsgHeader")
        scope = header if header is not None else root
        code = _text(scope.find("returnReasonCode")) or UNKNOWN_CODE
        parts = [_text(scope.find("errMsg")), _text(scope.find("returnAuthMsg"))]
        message = ": ".join(p for p in parts if p) or "gateway error without a message"
        raise PortalError(code, message, source=source)
    header = root if root.tag == "header" else root.find(".//header")
    if header is None:
        return
    code_elem = header.find("resultCode")
    if code_elem is None:
        return
    code = _text(code_elem)
    if code not in SUCCESS_CODES:
        raise PortalError(code, _text(header.find("resultMsg")), source=source)


def _header_text(value: Any, name: str, source: str, *, message: bool) -> str:
    """A JSON header field as text: a string stripped, an integer as the portal means it.

    ``0`` sent as a number is the code ``"00"``; a message may also be null
    (``""``). Anything else is not a portal header (the rust core's rule too).
    """
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if message else code_text(value)
    if value is None and message:
        return ""
    allowed = "a string, an integer or null" if message else "a string or an integer"
    raise TransformInputError(
        f"{source}: the header's {name} is not {allowed}; portal answers carry it as one"
    )


def check_json(doc: Any, *, source: str) -> None:
    """Raise PortalError if a parsed JSON document carries a result code not in SUCCESS_CODES."""
    if not isinstance(doc, dict):
        return
    for key in RESPONSE_KEYS:
        response = doc.get(key)
        if not isinstance(response, dict):
            continue
        header = response.get("header")
        if isinstance(header, dict) and "resultCode" in header:
            code = _header_text(header["resultCode"], "resultCode", source, message=False)
            if code not in SUCCESS_CODES:
                message = _header_text(header.get("resultMsg"), "resultMsg", source, message=True)
                raise PortalError(code, message, source=source)
        return


def raise_for_portal_error(body: bytes, *, source: str) -> None:
    """Raise PortalError(code, message) if ``body`` is a portal or gateway error body.

    Detection only: a body that is not a recognisable error (a success body, or
    something that does not parse) returns ``None``; reading the data, and
    rejecting a malformed body, is the reader's job. Codes are not
    classified here: ``"03"`` (no data) raises like every other code.
    """
    body = as_bytes(body, source)
    try:
        if looks_like_xml(body):
            check_xml(parse_xml(body, source=source), source=source)
        else:
            check_json(parse_json(body, source=source), source=source)
    except TransformInputError:
        return


# -- loading a success body --------------------------------------------------


def load_json_response(body: bytes, *, source: str, max_depth: int | None = None) -> dict[str, Any]:
    """The ``response`` object of a JSON success body (``reponse`` accepted too).

    Raises PortalError for an error body (JSON result code, or the gateway's
    XML envelope), TransformInputError for anything else that is not a JSON
    object with a ``response``/``reponse`` object at the top, or that nests
    deeper than ``max_depth`` (see :func:`portal.parsing.parse_json`).
    """
    body = as_bytes(body, source)
    if looks_like_xml(body):
        check_xml(parse_xml(body, source=source), source=source)
        raise TransformInputError(f"{source}: expected a JSON body, got XML")
    doc = parse_json(body, source=source, max_depth=max_depth)
    check_json(doc, source=source)
    if isinstance(doc, dict):
        for key in RESPONSE_KEYS:
            response = doc.get(key)
            if isinstance(response, dict):
                return response
    if isinstance(doc, dict):
        found = f"the keys {', '.join(sorted(doc))}" if doc else "an empty object"
    else:
        found = f"a {type(doc).__name__}"
    raise TransformInputError(
        f"{source}: JSON body has no 'response' (or 'reponse') object at the top; found {found}"
    )


def load_xml_response(body: bytes, *, source: str) -> Element:
    """The root element of an XML success body; error bodies raise PortalError."""
    root = parse_xml(body, source=source)
    check_xml(root, source=source)
    return root


def json_items(response: Mapping[str, Any], *, source: str) -> list[Any]:
    """``body.items.item`` of a JSON response (ASOS's envelope) as a list.

    The API sends one record as an object rather than a one-element list, and
    no records as ``""`` or without ``items``: all of these come back as a
    list. Anything else where the records belong raises TransformInputError.
    """
    page = response.get("body")
    items = page.get("items") if isinstance(page, Mapping) else None
    if isinstance(items, Mapping):
        items = items.get("item")
    if items is None or items == "":
        return []
    if isinstance(items, Mapping):
        return [items]
    if not isinstance(items, list):
        raise TransformInputError(
            f"{source}: response.body.items is a {type(items).__name__}, expected a list of items"
        )
    return items
