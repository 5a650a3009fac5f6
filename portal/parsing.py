"""Parsing a raw body: safe XML (defusedxml) and JSON (depth-checked first)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from foundations.errors import TransformInputError
from portal.bodies import as_bytes, utf8_text
from portal.limits import DEFAULT_MAX_JSON_DEPTH, check_json_depth

#: What ``bytes.lstrip()`` strips: leading whitespace would put an
#: ``<?xml ...?>`` declaration out of place.
_ASCII_SPACE = " \t\n\r\x0b\x0c"


def parse_xml(body: bytes, *, source: str) -> Element:
    """Parse an XML body safely; a DTD, entity declaration or bad XML raises TransformInputError.

    The body must be UTF-8 (:func:`portal.bodies.utf8_text`); its text is
    parsed, so an XML declaration's ``encoding`` is not read. Leading
    whitespace and a byte order mark, in either order, are ignored.
    """
    text = utf8_text(as_bytes(body, source), source)
    text = text.lstrip(_ASCII_SPACE).removeprefix("\ufeff").lstrip(_ASCII_SPACE)
    try:
        # defusedxml has no type information; its fromstring returns the stdlib Element.
        root: Element = SafeET.fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return root
    except DefusedXmlException as exc:
        raise TransformInputError(
            f"{source}: refused XML body with a DTD or entity declaration "
            f"({type(exc).__name__}); entities are never expanded"
        ) from None
    except ParseError as exc:
        raise TransformInputError(f"{source}: malformed XML body: {exc}") from None


def parse_json(body: bytes, *, source: str, max_depth: int | None = None) -> Any:
    """Parse a JSON body (UTF-8, a BOM tolerated); bad JSON raises TransformInputError.

    A body that is not UTF-8 is refused first (:func:`portal.bodies.utf8_text`).

    A body nesting deeper than ``max_depth`` (default:
    :data:`portal.limits.DEFAULT_MAX_JSON_DEPTH`, ``[limits] max_json_depth``'s
    default) is refused before ``json.loads``, which would recurse into it (see
    :mod:`portal.limits`).
    """
    body = as_bytes(body, source)
    text = utf8_text(body, source)
    depth = DEFAULT_MAX_JSON_DEPTH if max_depth is None else max_depth
    check_json_depth(body, depth, source)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise TransformInputError(f"{source}: malformed JSON body: {exc}") from None
