"""The frame and value limits of ``[limits]`` and the corrupted-value rule, as transforms check them.

Every check here runs before the work it protects, and every message is the
one the rust backend writes (its core has the same checks in
``crates/energy_transforms/src/limits.rs``; the conformance tests compare the
two backends' messages for equality). The limits on a raw body (its size,
T3-T5, and its JSON nesting depth, T3 and T5) are not the backend's: they are
:mod:`portal.limits`, applied here with the ``[limits]`` values
:func:`resolve` gives. The rules kept here:

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

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from foundations.errors import TransformInputError
from foundations.settings import LimitSettings

#: The limits a hook applies when its caller passes none: the settings' defaults.
DEFAULT_LIMITS = LimitSettings()

#: Whitespace ``pandas.to_numeric`` ignores around a number (str.strip's
#: default would also strip U+001C..U+001F, which are controls here).
NUMBER_WHITESPACE = " \t\n\x0b\x0c\r"
_CONTROL = re.compile("[\x00-\x1f]")


def resolve(limits: LimitSettings | None) -> LimitSettings:
    """The limits to apply: the caller's, or the settings' defaults when it passed none."""
    if limits is None:
        return DEFAULT_LIMITS
    if not isinstance(limits, LimitSettings):
        raise TransformInputError(
            f"limits must be foundations.settings.LimitSettings (settings.limits), "
            f"got {type(limits).__name__}"
        )
    return limits


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
