"""The input limits of ``[limits]`` and the corrupted-value rule, as the transforms check them.

Every check here runs before the work it protects, and every message is the
one the rust backend writes (its core has the same checks in
``crates/energy_transforms/src/limits.rs``; the conformance tests compare the
two backends' messages for equality). The rules:

* body size (T3-T5): a raw body longer than ``max_body_bytes`` bytes (a
  ``str`` body counts its UTF-8 bytes) is refused before anything reads it.
  Record lists are not bodies and are not measured;
* JSON nesting depth (T3, T5): the deepest running count of ``[``/``{`` minus
  ``]``/``}`` outside strings, where a ``"`` preceded by an odd number of
  backslashes does not end or start a string. For valid JSON that is the
  nesting depth. It is computed without recursion over the body's UTF-8 bytes
  (a body in another encoding json accepts is decoded first), so a body of
  100,000 ``[`` is refused instead of reaching ``json.loads``, which recurses
  and raises ``RecursionError``;
* columns (T2): a frame or history frame with more than ``max_columns``
  columns is refused before any column is read;
* control characters: a numeric value given as a string that, once the
  whitespace pandas ignores around a number (space, ``\\t``, ``\\n``,
  ``\\x0b``, ``\\x0c``, ``\\r``) is stripped from both ends, still holds a C0
  control character (U+0000 to U+001F) is a corrupted value: an input error
  naming where it is, never a silent NaN. Empty strings and other
  non-numbers stay NaN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from registry.errors import TransformInputError
from registry.settings import LimitSettings

#: The limits a hook applies when its caller passes none: the settings' defaults.
DEFAULT_LIMITS = LimitSettings()

#: Whitespace ``pandas.to_numeric`` ignores around a number (str.strip's
#: default would also strip U+001C..U+001F, which are controls here).
NUMBER_WHITESPACE = " \t\n\x0b\x0c\r"
_CONTROL = re.compile("[\x00-\x1f]")
# Bytes of "[{" (+1), "]}" (-1), '"' (2) and "\\" (3); everything else is 0.
_BYTE_KIND = np.zeros(256, dtype=np.int8)
_BYTE_KIND[[ord("["), ord("{")]] = 1
_BYTE_KIND[[ord("]"), ord("}")]] = -1
_BYTE_KIND[ord('"')] = 2
_BYTE_KIND[ord("\\")] = 3
#: Bytes scanned per vectorised step: bounds the scan's scratch memory.
_CHUNK = 1 << 20


def resolve(limits: LimitSettings | None) -> LimitSettings:
    """The limits to apply: the caller's, or the settings' defaults when it passed none."""
    if limits is None:
        return DEFAULT_LIMITS
    if not isinstance(limits, LimitSettings):
        raise TransformInputError(
            f"limits must be registry.settings.LimitSettings (settings.limits), "
            f"got {type(limits).__name__}"
        )
    return limits


def check_body_size(body: bytes, limits: LimitSettings, source: str) -> None:
    """Refuse a raw body longer than ``limits.max_body_bytes``, before anything parses it."""
    if len(body) > limits.max_body_bytes:
        raise TransformInputError(
            f"{source}: the body is {len(body)} bytes, more than the limit of "
            f"{limits.max_body_bytes} bytes; raise [limits] max_body_bytes "
            "(ENERGY_LIMITS__MAX_BODY_BYTES) if a real answer is this large"
        )


def check_json_depth(body: bytes, max_depth: int, source: str) -> None:
    """Refuse a JSON body nesting deeper than ``max_depth``, without recursing.

    A body that does not decode is left to the JSON reader, which reports it
    as malformed (the rust reader decodes first, too).
    """
    encoding = json.detect_encoding(body)
    if encoding == "utf-8":
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return
        utf8 = body
    else:
        try:
            utf8 = body.decode(encoding).encode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return
    depth = json_depth(utf8)
    if depth > max_depth:
        raise TransformInputError(
            f"{source}: the JSON body nests {depth} levels deep, more than the limit of "
            f"{max_depth}; raise [limits] max_json_depth (ENERGY_LIMITS__MAX_JSON_DEPTH, "
            "at most 500) if a real answer nests this deep"
        )


def json_depth(data: bytes) -> int:
    """The deepest bracket nesting outside strings of UTF-8 JSON text (module rule).

    Vectorised per chunk over the few bytes that matter (brackets, quotes,
    backslashes); the state carried between chunks is the depth, whether a
    string is open and the length of a backslash run reaching the chunk's end.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    depth = deepest = 0
    in_string = 0
    carried_backslashes = 0
    for start in range(0, raw.size, _CHUNK):
        chunk = raw[start : start + _CHUNK]
        kind = _BYTE_KIND[chunk]
        pos = np.flatnonzero(kind)
        if pos.size == 0:
            carried_backslashes = 0
            continue
        k = kind[pos]
        slashes = pos[k == 3]
        quotes = pos[k == 2]
        if slashes.size:
            starts_run = np.ones(slashes.size, dtype=bool)
            starts_run[1:] = np.diff(slashes) != 1
            run_start = np.maximum.accumulate(np.where(starts_run, slashes, 0))
            # Length of the backslash run up to and including each backslash;
            # a run starting at the chunk's first byte continues the carried one.
            run_length = slashes - run_start + 1 + np.where(run_start == 0, carried_backslashes, 0)
        else:
            run_length = np.zeros(0, dtype=np.int64)
        if quotes.size:
            before = np.where(quotes == 0, carried_backslashes, 0)
            if slashes.size:
                j = np.searchsorted(slashes, quotes) - 1
                jc = np.maximum(j, 0)
                adjacent = (j >= 0) & (slashes[jc] == quotes - 1)
                before = before + np.where(adjacent, run_length[jc], 0)
            live_quotes = quotes[before % 2 == 0]
        else:
            live_quotes = quotes
        brackets = pos[(k == 1) | (k == -1)]
        if brackets.size:
            inside = (np.searchsorted(live_quotes, brackets) + in_string) % 2 == 1
            steps = kind[brackets[~inside]].astype(np.int64)
            if steps.size:
                running = depth + np.cumsum(steps)
                deepest = max(deepest, int(running.max()))
                depth = int(running[-1])
        in_string = (in_string + live_quotes.size) % 2
        ends_in_backslash = chunk[-1] == ord("\\")
        carried_backslashes = int(run_length[-1]) if ends_in_backslash else 0
    return deepest


def check_columns(frame: pd.DataFrame, limits: LimitSettings, what: str) -> None:
    """Refuse a T2 frame with more than ``limits.max_columns`` columns, before reading any."""
    n = frame.shape[1]
    if n > limits.max_columns:
        raise TransformInputError(
            f"{what} has {n} columns, more than the limit of {limits.max_columns}; pass only "
            "the time, station and value columns, or raise [limits] max_columns "
            "(ENERGY_LIMITS__MAX_COLUMNS)"
        )


def control_character(value: Any) -> str | None:
    """The first C0 control character of a string value, whitespace around it excepted."""
    if not isinstance(value, str):
        return None
    found = _CONTROL.search(value.strip(NUMBER_WHITESPACE))
    return found.group() if found else None


def first_control_character(values: Sequence[Any] | np.ndarray) -> tuple[int, str] | None:
    """``(position, character)`` of the first value holding a control character, else None.

    One C-speed search over all string values first: a batch without any
    control character (every real one) never takes the per-value path.
    """
    strings = "".join(v for v in values if isinstance(v, str))
    if _CONTROL.search(strings) is None:
        return None
    for i, value in enumerate(values):
        char = control_character(value)
        if char is not None:
            return i, char
    return None


def control_character_error(
    source: str, what: str, position: int, name: str, char: str
) -> TransformInputError:
    """The error for a numeric field of a payload record that holds a control character."""
    return TransformInputError(
        f"{source}: {what} {position} field {name!r} holds the control character "
        f"U+{ord(char):04X} in a numeric value; a corrupted value is an input error, not a "
        "gap (a gap is an empty string or null)"
    )
