"""Checks of hook arguments that every backend applies before its own work.

They sit here, not in one backend, so that both backends refuse the same
arguments with the same message (the conformance tests compare them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from backend_harness.frames import ASOS_KEY_COLUMNS
from foundations.errors import TransformInputError

#: T5's value fields when the caller names none.
DEFAULT_FIELDS: tuple[str, ...] = ("ta", "hm")

#: T5's value-field names: identifiers, so that an error message quoting one
#: reads the same from every backend.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: T3's hour conventions: ``end`` stores label N at day + (N-1) h, ``legacy``
#: at day + N h (what the legacy wind loader did; see docs/contracts/time_and_units.md).
HOUR_LABELS = ("end", "legacy")


def as_float_vector(values: Any) -> np.ndarray:
    """``values`` as a contiguous 1-D float64 array; the same object when it already is one.

    The input check every backend shares (the rust glue hands this very buffer
    to Rust). A strided view, e.g. every other element, is the one case copied.
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TransformInputError(
            f"find_missing_runs: input is not convertible to float64: {exc}"
        ) from None
    if arr.ndim != 1:
        raise TransformInputError(
            f"find_missing_runs: expected a 1-D array, got {arr.ndim}-D with shape {arr.shape}"
        )
    return np.ascontiguousarray(arr)


def check_hour_label(hour_label: str) -> None:
    """Raise TransformInputError unless ``hour_label`` is one of :data:`HOUR_LABELS`."""
    if hour_label not in HOUR_LABELS:
        raise TransformInputError(
            f"wind_to_long: unknown hour_label {hour_label!r}; valid: {', '.join(HOUR_LABELS)}"
        )


def check_fields(fields: Sequence[str]) -> tuple[str, ...]:
    """``fields`` as a tuple of distinct value-field names; a bad list raises TransformInputError."""
    if isinstance(fields, str | bytes) or not isinstance(fields, Sequence):
        raise TransformInputError(
            f"asos_to_frame: fields must be a list of field names, got {fields!r}"
        )
    fields = tuple(fields)
    bad = [
        f
        for f in fields
        if not isinstance(f, str) or f in ASOS_KEY_COLUMNS or not _FIELD_NAME.fullmatch(f)
    ]
    dup = sorted({f for f in fields if fields.count(f) > 1})
    if bad or dup:
        raise TransformInputError(
            f"asos_to_frame: invalid value fields {bad + dup}: names must be distinct "
            f"identifiers (ASCII letters, digits and _) other than {', '.join(ASOS_KEY_COLUMNS)}"
        )
    return fields
