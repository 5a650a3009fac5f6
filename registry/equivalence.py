"""The equivalence rule of docs/contracts/transforms.md, as one comparator.

Used by shadow mode (to log a short diff summary) and by the tests (to compare
backends with each other, with the oracle and with the snapshots), so that
"the same output" means exactly one thing everywhere:

* same row count, row order, columns and dtypes (and the same index);
* key (non-float) columns exactly equal, missing values in the same places;
* float columns ``|a - b| <= 1e-9 * max(1, |a|)`` and NaN in the same places;
* the same report counts, and the same per-row method codes.

``columns`` narrows the frame part to the named columns (row count, index and
those columns' dtypes and values). Shadow mode passes T2's imputed value
columns: every other column of T2's output is the input's column, copied by
contract, and walking a very wide frame's passthrough columns cost minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from registry.contracts import TransformOutput

RELATIVE_TOLERANCE = 1e-9
#: How many differing rows a summary quotes; enough to debug, short enough to log.
_MAX_EXAMPLES = 3


def differences(expected: Any, actual: Any, *, columns: Sequence[str] | None = None) -> list[str]:
    """Every way ``actual`` differs from ``expected``; an empty list means equivalent.

    With ``columns``, frames are compared on those columns only (see the module doc).
    """
    if isinstance(expected, TransformOutput) and isinstance(actual, TransformOutput):
        diffs = frame_differences(expected.frame, actual.frame, columns=columns)
        if expected.report != actual.report:
            diffs.append(f"report differs: expected {expected.report!r}, got {actual.report!r}")
        diffs += _methods_differences(expected.methods, actual.methods)
        return diffs
    if isinstance(expected, tuple) and isinstance(actual, tuple):
        if len(expected) != len(actual):
            return [f"tuple length {len(actual)} != {len(expected)}"]
        diffs = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            diffs += [f"item {i}: {d}" for d in array_differences(np.asarray(e), np.asarray(a))]
        return diffs
    if isinstance(expected, pd.DataFrame) and isinstance(actual, pd.DataFrame):
        return frame_differences(expected, actual, columns=columns)
    if isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray):
        return array_differences(expected, actual)
    return [f"cannot compare {type(expected).__name__} with {type(actual).__name__}"]


def equivalent(expected: Any, actual: Any) -> bool:
    return not differences(expected, actual)


def frame_differences(
    expected: pd.DataFrame, actual: pd.DataFrame, *, columns: Sequence[str] | None = None
) -> list[str]:
    """Differences of two frames; with ``columns``, of those columns only (plus rows and index)."""
    if columns is None:
        if list(expected.columns) != list(actual.columns):
            return [f"columns {list(actual.columns)} != {list(expected.columns)}"]
        compared = list(expected.columns)
    else:
        compared = list(columns)
        for frame, which in ((expected, "expected"), (actual, "actual")):
            # A repeated name would make frame[col] a frame, not a column.
            absent = [c for c in compared if int((frame.columns == c).sum()) != 1]
            if absent:
                return [f"compared columns {absent} missing or repeated in the {which} frame"]
    if len(expected) != len(actual):
        return [f"row count {len(actual)} != {len(expected)}"]
    diffs = []
    if not expected.index.equals(actual.index):
        diffs.append("index differs")
    for col in compared:
        e, a = expected[col], actual[col]
        if e.dtype != a.dtype:
            diffs.append(f"column {col!r}: dtype {a.dtype} != {e.dtype}")
            continue
        diffs += [f"column {col!r}: {d}" for d in _series_differences(e, a)]
    return diffs


def float_mismatches(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Positions where two float arrays differ: NaN in one only, or beyond the tolerance.

    The tolerance is relative to the expected value: ``1e-9 * max(1, |expected|)``.
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    e_nan, a_nan = np.isnan(e), np.isnan(a)
    with np.errstate(invalid="ignore"):
        too_far = np.abs(a - e) > RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(e))
    return np.flatnonzero((e_nan != a_nan) | (~e_nan & ~a_nan & too_far))


def array_differences(expected: np.ndarray, actual: np.ndarray) -> list[str]:
    if expected.dtype != actual.dtype:
        return [f"dtype {actual.dtype} != {expected.dtype}"]
    if expected.shape != actual.shape:
        return [f"shape {actual.shape} != {expected.shape}"]
    return _series_differences(pd.Series(expected), pd.Series(actual))


def _series_differences(expected: pd.Series, actual: pd.Series) -> list[str]:
    e_na = expected.isna().to_numpy()
    a_na = actual.isna().to_numpy()
    if not np.array_equal(e_na, a_na):
        return [f"missing values differ at rows {_examples(e_na != a_na)}"]
    if pd.api.types.is_float_dtype(expected.dtype):
        e = expected.to_numpy(dtype=np.float64, na_value=np.nan)
        a = actual.to_numpy(dtype=np.float64, na_value=np.nan)
        rows = float_mismatches(e, a)
        if len(rows):
            bad = np.zeros(len(e), dtype=bool)
            bad[rows] = True
            i = int(rows[0])
            return [
                f"{len(rows)} values beyond tolerance at rows {_examples(bad)} "
                f"(first: expected {e[i]!r}, got {a[i]!r})"
            ]
        return []
    present = ~e_na
    bad = np.zeros(len(expected), dtype=bool)
    bad[present] = expected.to_numpy()[present] != actual.to_numpy()[present]
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return [
            f"{int(bad.sum())} values differ at rows {_examples(bad)} "
            f"(first: expected {expected.iloc[i]!r}, got {actual.iloc[i]!r})"
        ]
    return []


def _methods_differences(
    expected: dict[str, np.ndarray] | None, actual: dict[str, np.ndarray] | None
) -> list[str]:
    if expected is None or actual is None:
        return [] if expected is actual else ["method codes present in only one output"]
    if expected.keys() != actual.keys():
        return [f"method columns {sorted(actual)} != {sorted(expected)}"]
    return [
        f"methods {col!r}: {d}"
        for col in expected
        for d in array_differences(np.asarray(expected[col]), np.asarray(actual[col]))
    ]


def _examples(mask: np.ndarray) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_EXAMPLES])
    return shown + (", ..." if len(rows) > _MAX_EXAMPLES else "")
