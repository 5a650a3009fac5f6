"""The equivalence rule of ``shared/spec/transforms.md`` as test assertions with readable diffs.

Floats: ``|a - b| <= 1e-9 * max(1, |a|)`` with ``a`` the expected value, NaN in
exactly the same places; everything else exactly equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

RELATIVE_TOLERANCE = 1e-9


def float_mismatches(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Positions where two float arrays differ under the equivalence rule."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    nan_a, nan_e = np.isnan(actual), np.isnan(expected)
    with np.errstate(invalid="ignore"):
        too_far = np.abs(actual - expected) > RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(expected))
    return np.flatnonzero((nan_a != nan_e) | (~nan_a & ~nan_e & too_far))


def assert_floats_equivalent(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert len(actual) == len(expected), f"{what}: {len(actual)} values, expected {len(expected)}"
    bad = float_mismatches(actual, expected)
    if len(bad):
        shown = ", ".join(f"row {i}: {actual[i]!r} != {expected[i]!r}" for i in bad[:5])
        raise AssertionError(f"{what}: {len(bad)} values differ ({shown})")


def assert_frames_equivalent(
    actual: pd.DataFrame, expected: pd.DataFrame, float_columns: tuple[str, ...]
) -> None:
    """Same index, columns and dtypes; ``float_columns`` within tolerance, the rest exact."""
    assert list(actual.columns) == list(expected.columns), (
        f"columns {list(actual.columns)} != {list(expected.columns)}"
    )
    pd.testing.assert_index_equal(actual.index, expected.index)
    for column in actual.columns:
        assert actual[column].dtype == expected[column].dtype, (
            f"column {column!r}: dtype {actual[column].dtype} != {expected[column].dtype}"
        )
        if column in float_columns:
            assert_floats_equivalent(
                actual[column].to_numpy(), expected[column].to_numpy(), f"column {column!r}"
            )
        else:
            pd.testing.assert_series_equal(actual[column], expected[column], check_exact=True)


def assert_methods_equal(
    actual: Mapping[str, np.ndarray] | None, expected: Mapping[str, np.ndarray]
) -> None:
    assert actual is not None, "methods were requested but the output has none"
    assert set(actual) == set(expected), f"methods for {sorted(actual)} != {sorted(expected)}"
    for column, codes in expected.items():
        got = np.asarray(actual[column])
        assert got.dtype == np.int8, f"methods[{column!r}] dtype {got.dtype}, expected int8"
        bad = np.flatnonzero(got != codes)
        assert not len(bad), (
            f"methods[{column!r}] differ at rows {bad[:10].tolist()}: "
            f"{got[bad[:10]].tolist()} != {np.asarray(codes)[bad[:10]].tolist()}"
        )


def assert_reports_equal(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    if actual == expected:
        return
    lines = []
    for column in sorted(set(actual) | set(expected), key=str):
        a, e = actual.get(column, {}), expected.get(column, {})
        for station in sorted(set(a) | set(e), key=str):
            if a.get(station) != e.get(station):
                lines.append(f"{column}/{station}: {a.get(station)} != {e.get(station)}")
    raise AssertionError("reports differ:\n" + "\n".join(lines[:10]))
