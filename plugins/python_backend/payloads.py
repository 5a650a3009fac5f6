"""Reading raw portal response bodies: JSON, safe XML, and portal error bodies.

Shared by the payload transforms (T3 wind, T4 PV, T5 ASOS) and by the HTTP
sources, so that an error body is recognised the same way wherever it is seen.

What counts as a portal error body (and raises
:class:`registry.errors.PortalError` with the portal's code and message):

* JSON whose ``response`` (or the misspelt ``reponse``) object has a
  ``header.resultCode`` that is not a success code; the message is
  ``header.resultMsg``;
* XML whose ``header/resultCode`` (anywhere in the document) is not a success
  code;
* the gateway's XML envelope ``<OpenAPI_ServiceResponse><cmmMsgHeader>`` with
  ``returnReasonCode``, ``errMsg`` and ``returnAuthMsg``. The gateway sends it
  with HTTP 200 and even when JSON was asked for, so JSON readers check for it
  too.

The success codes are :data:`SUCCESS_CODES`: ``"00"`` (the portal's usual
code) and ``"800"`` (``NORMAL_SERVICE.``, the documented success header of the
Nambu PV service). Every other code raises, ``"03"`` (no data) included: telling
"no data" from "retry" from "fatal" is the caller's business (``sources/``),
never a parser's.

XML is parsed with :mod:`defusedxml`: a body with a DTD or entity declarations
is refused with :class:`registry.errors.TransformInputError`; no entity is ever
expanded (no billion laughs, no external entities).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException

from plugins.python_backend import limits
from registry.errors import PortalError, TransformInputError

#: The usual result code of a successful portal answer.
OK_CODE = "00"
#: Every result code that means success. The Nambu PV service documents
#: ``800`` / ``NORMAL_SERVICE.`` as its success header where the others send ``00``.
SUCCESS_CODES: frozenset[str] = frozenset({OK_CODE, "800"})
#: The top-level keys of a JSON body; the wind API sometimes misspells it.
RESPONSE_KEYS = ("response", "reponse")
#: Code used when the gateway's envelope carries no ``returnReasonCode``
#: (the portal's own code for "unknown error").
UNKNOWN_CODE = "99"

_BOM = b"\xef\xbb\xbf"


def as_bytes(body: Any, source: str) -> bytes:
    """A raw body (bytes, bytearray, memoryview or str as UTF-8) as bytes; anything else raises."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise TransformInputError(
        f"{source}: expected the raw response body as bytes, got {type(body).__name__}"
    )


def _strip_start(body: bytes) -> bytes:
    """Without leading whitespace and UTF-8 byte order mark (either order)."""
    return body.lstrip().removeprefix(_BOM).lstrip()


def _looks_like_xml(body: bytes) -> bool:
    return _strip_start(body).startswith(b"<")


def _code_text(value: Any) -> str:
    """A result code as the portal writes it (``0`` sent as a JSON number -> ``"00"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:02d}"
    return str(value).strip()


def _text(elem: Element | None) -> str:
    return (elem.text or "").strip() if elem is not None else ""


# -- parsing -----------------------------------------------------------------


def parse_xml(body: bytes, *, source: str) -> Element:
    """Parse an XML body safely; a DTD, entity declaration or bad XML raises TransformInputError.

    Leading whitespace (which would put an ``<?xml ...?>`` declaration out of
    place) and a UTF-8 byte order mark are ignored.
    """
    body = _strip_start(as_bytes(body, source))
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

    A body nesting deeper than ``max_depth`` (default: ``[limits]
    max_json_depth``'s default) is refused before ``json.loads``, which would
    recurse into it (see :mod:`plugins.python_backend.limits`).
    """
    body = as_bytes(body, source)
    depth = limits.DEFAULT_LIMITS.max_json_depth if max_depth is None else max_depth
    limits.check_json_depth(body, depth, source)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TransformInputError(f"{source}: malformed JSON body: {exc}") from None


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
            code = _code_text(header["resultCode"])
            if code not in SUCCESS_CODES:
                raise PortalError(code, str(header.get("resultMsg") or "").strip(), source=source)
        return


def raise_for_portal_error(body: bytes, *, source: str) -> None:
    """Raise PortalError(code, message) if ``body`` is a portal or gateway error body.

    Detection only: a body that is not a recognisable error (a success body, or
    something that does not parse) returns ``None``; reading the data, and
    rejecting a malformed body, is the transform's job. Codes are not
    classified here: ``"03"`` (no data) raises like every other code.
    """
    body = as_bytes(body, source)
    try:
        if _looks_like_xml(body):
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
    deeper than ``max_depth`` (see :func:`parse_json`).
    """
    body = as_bytes(body, source)
    if _looks_like_xml(body):
        check_xml(parse_xml(body, source=source), source=source)
        raise TransformInputError(f"{source}: expected a JSON body, got XML")
    doc = parse_json(body, source=source, max_depth=max_depth)
    check_json(doc, source=source)
    if isinstance(doc, dict):
        for key in RESPONSE_KEYS:
            response = doc.get(key)
            if isinstance(response, dict):
                return response
    keys = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
    raise TransformInputError(
        f"{source}: JSON body has no 'response' (or 'reponse') object at the top; found {keys}"
    )


def load_xml_response(body: bytes, *, source: str) -> Element:
    """The root element of an XML success body; error bodies raise PortalError."""
    root = parse_xml(body, source=source)
    check_xml(root, source=source)
    return root


# -- record values to columns --------------------------------------------------
#
# The transforms flatten a list of record dicts into one Python list per field
# (per-record dict access is unavoidable there); everything after that is
# vectorised through the helpers below.

_HOUR_NS = np.int64(3_600_000_000_000)
#: Years whose days (plus 24 h) fit ``datetime64[ns]``; other years do not parse.
MIN_YEAR, MAX_YEAR = 1678, 2261


def as_records(
    payload: Any, source: str, body_reader: Callable[[bytes], list[Any]]
) -> list[Mapping[str, Any]]:
    """Raw body bytes (read with ``body_reader``) or a sequence of dicts, as a list of dicts."""
    if isinstance(payload, bytes | bytearray | memoryview | str):
        records = body_reader(as_bytes(payload, source))
    elif isinstance(payload, Sequence):
        records = list(payload)
    else:
        raise TransformInputError(
            f"{source}: expected the raw body (bytes) or a list of record dicts, "
            f"got {type(payload).__name__}"
        )
    bad = [i for i, record in enumerate(records) if not isinstance(record, Mapping)]
    if bad:
        raise TransformInputError(
            f"{source}: records at positions {describe_positions(np.asarray(bad))} are not objects"
        )
    return records


def field(records: Sequence[Mapping[str, Any]], key: str) -> list[Any]:
    """The values of ``key`` in every record (``None`` where a record lacks it)."""
    return [record.get(key) for record in records]


def texts(values: Sequence[Any]) -> pd.Series:
    """Strings stripped of surrounding whitespace; ``None``/missing become ``""``."""
    return pd.Series(values, dtype=object).fillna("").astype("str").str.strip()


#: Marks an unparseable time in int64-ns arrays. NaT's own value, so that
#: valid times before 1970 (negative nanoseconds) stay valid.
UNPARSEABLE = np.iinfo(np.int64).min


def parse_timestamps(values: Sequence[Any] | pd.Series, pattern: str, fmt: str) -> np.ndarray:
    """Values matching the regex ``pattern`` (after stripping) parsed with ``fmt``, as int64 ns.

    :data:`UNPARSEABLE` marks a value that does not match, is not a real calendar
    time, or has a year outside 1678-2261 (the range of ``datetime64[ns]``, with a
    day to spare).
    """
    text = pd.Series(values, dtype=object).astype("str").str.strip()
    text = text.where(text.str.fullmatch(pattern, na=False))
    year = pd.to_numeric(text.str.slice(0, 4), errors="coerce")
    text = text.where((year >= MIN_YEAR) & (year <= MAX_YEAR))
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    out = parsed.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    out[parsed.isna().to_numpy()] = UNPARSEABLE
    return out


def parse_days(values: Sequence[Any]) -> np.ndarray:
    """Day values (``YYYYMMDD`` or ``YYYY-MM-DD``, strings or numbers) to int64 ns since the epoch.

    Surrounding whitespace is ignored. Anything else (other formats, impossible
    dates such as ``20240230``, years outside 1678-2261, empty, null) gives
    :data:`UNPARSEABLE`.
    """
    text = pd.Series(values, dtype=object).astype("str").str.strip()
    dashed = text.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", na=False)
    text = text.where(~dashed, text.str.replace("-", "", regex=False))
    return parse_timestamps(text, r"[0-9]{8}", "%Y%m%d")


def numbers(values: Sequence[Any]) -> np.ndarray:
    """Numbers and numeric strings to float64; ``""``, null and non-numbers become NaN.

    Numeric strings may carry surrounding whitespace; the rules are
    ``pandas.to_numeric(errors="coerce")``'s.
    """
    series = pd.Series(values, dtype=object)
    if series.empty:
        return np.empty(0, dtype=np.float64)
    try:
        parsed = pd.to_numeric(series, errors="coerce")
    except OverflowError:
        # An integer literal beyond float range: it is a number, infinitely large
        # as a float64 (what a float parse of its text gives).
        parsed = pd.to_numeric(series.map(_float_or_text), errors="coerce")
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan)


def _float_or_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return value


def integers(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(ints, valid)``: integral numbers or numeric strings (``1``, ``"2"``, ``"1.0"``).

    ``ints`` is int64 (0 where invalid); ``valid`` is False for missing,
    non-numeric or non-integral values.
    """
    as_float = numbers(values)
    valid = np.isfinite(as_float) & (as_float == np.floor(as_float)) & (np.abs(as_float) < 2**53)
    ints = np.where(valid, as_float, 0).astype(np.int64)
    return ints, valid


def hour_offsets_ns(labels: np.ndarray, hour_label: str = "end") -> np.ndarray:
    """Offsets from the day's 00:00 for hour labels 1..24 (int64 ns).

    ``"end"``: label N covers [N-1:00, N:00) and is stamped N-1 h (interval start).
    ``"legacy"``: label N stamped N h (label 24 is the next day's 00:00).
    """
    shift = {"end": 1, "legacy": 0}[hour_label]
    return (np.asarray(labels, dtype=np.int64) - shift) * _HOUR_NS


def describe_positions(positions: np.ndarray, limit: int = 10) -> str:
    """``"0, 3, 7"`` (at most ``limit`` positions, then ``"... (N in all)"``)."""
    shown = ", ".join(str(int(p)) for p in positions[:limit])
    more = f", ... ({len(positions)} in all)" if len(positions) > limit else ""
    return shown + more
