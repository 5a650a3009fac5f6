"""Parsing a raw body: safe XML (defusedxml) and JSON (depth-checked first)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from foundations.errors import TransformInputError
from portal.bodies import as_bytes, strip_start
from portal.limits import DEFAULT_MAX_JSON_DEPTH, check_json_depth


def parse_xml(body: bytes, *, source: str) -> Element:
    """Parse an XML body safely; a DTD, entity declaration or bad XML raises TransformInputError.

    Leading whitespace (which would put an ``<?xml ...?>`` declaration out of
    place) and a UTF-8 byte order mark are ignored.
    """
    body = strip_start(as_bytes(body, source))
    try:
        # defusedxml has no type information; its fromstring returns the stdlib Element.
        root: Element = SafeET.fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return root
    except DefusedXmlException as exc:
        raise TransformInputError(
            f"{source}: refused XML body with a DTD or entity declaration "
            f"({type(exc).__name__}); entities are never expanded"
        ) from None
    except ParseError as exc:
        raise TransformInputError(f"{source}: malformed XML body: {exc}") from None
    except ValueError as exc:  # expat's answer to an encoding it cannot read (EUC-KR, ...)
        raise TransformInputError(
            f"{source}: unreadable XML body: {exc}; the portal sends UTF-8, so this body is not "
            "one of its answers"
        ) from None


def parse_json(body: bytes, *, source: str, max_depth: int | None = None) -> Any:
    """Parse a JSON body (UTF-8, a BOM tolerated); bad JSON raises TransformInputError.

    A body nesting deeper than ``max_depth`` (default:
    :data:`portal.limits.DEFAULT_MAX_JSON_DEPTH`, ``[limits] max_json_depth``'s
    default) is refused before ``json.loads``, which would recurse into it (see
    :mod:`portal.limits`).
    """
    body = as_bytes(body, source)
    depth = DEFAULT_MAX_JSON_DEPTH if max_depth is None else max_depth
    check_json_depth(body, depth, source)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TransformInputError(f"{source}: malformed JSON body: {exc}") from None
