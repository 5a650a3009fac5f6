"""Record values to columns: the vectorised coercions the payload transforms (T3-T5) share.

A transform reads its body with :mod:`portal` (bytes, safe XML, JSON, portal
error bodies) and flattens the records into one Python list per field
(per-record dict access is unavoidable there); everything after that is
vectorised through the helpers below: texts, numbers, integers, days and
timestamps as int64 nanoseconds, hour offsets, and the positions an error
message names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from foundations.errors import TransformInputError
from portal import as_bytes

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


class XmlElements:
    """What an XML record holds for a field element that has child elements."""

    def __repr__(self) -> str:
        return "XML_ELEMENTS"


#: The one :class:`XmlElements` value (see :func:`check_scalars`).
XML_ELEMENTS = XmlElements()

_SCALAR_EXPECTED = "a string, number or null is expected"
_TEXT_EXPECTED = "a text field takes a string, an integer or null"


def _not_scalar(value: Any, text: bool) -> str | None:
    """Why ``value`` cannot be a scalar field's value (``None`` when it can)."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, Mapping):
        return f"a JSON object; {_SCALAR_EXPECTED}"
    if isinstance(value, list | tuple):
        return f"a JSON array; {_SCALAR_EXPECTED}"
    if value is XML_ELEMENTS:
        return "XML elements; text is expected"
    if text and isinstance(value, bool | np.bool_):
        return f"a JSON boolean; {_TEXT_EXPECTED}"
    if text and isinstance(value, float | np.floating):
        return (
            f"a JSON number with a fraction or an exponent (or NaN or Infinity); {_TEXT_EXPECTED}"
        )
    return None


def check_scalars(
    records: Sequence[Mapping[str, Any]],
    fields: Sequence[str],
    text_fields: frozenset[str],
    source: str,
) -> None:
    """Refuse an object, array or XML elements in a field the transform reads.

    Every field a transform reads (``fields``) holds a string, a number, a
    boolean or null; a text field (a code or a name: ``text_fields``) holds a
    string, an integer or null, since its text would otherwise be Python's
    ``str()`` of the value, which no contract asks a backend to reproduce. The
    error names the first offending record (its 0-based position in its
    body's record list) and, in it, the first field in ``fields`` order; the
    rust core checks in the same order.
    """
    for position, record in enumerate(records):
        for name in fields:
            value = record.get(name)
            if value is None or isinstance(value, str):
                continue
            problem = _not_scalar(value, name in text_fields)
            if problem is not None:
                raise TransformInputError(
                    f"{source}: field {name!r} of record {position} holds {problem}"
                )


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
