"""The equivalence rule of ``docs/contracts/transforms.md`` as test assertions with readable diffs.

The rule itself lives in :mod:`registry.equivalence` (shadow mode uses it too);
these are assertion helpers over it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from registry.equivalence import float_mismatches, frame_differences


def assert_floats_equivalent(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert len(actual) == len(expected), f"{what}: {len(actual)} values, expected {len(expected)}"
    bad = float_mismatches(expected, actual)
    if len(bad):
        shown = ", ".join(f"row {i}: {actual[i]!r} != {expected[i]!r}" for i in bad[:5])
        raise AssertionError(f"{what}: {len(bad)} values differ ({shown})")


def assert_frames_equivalent(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal under the equivalence rule (:func:`registry.equivalence.frame_differences`)."""
    diffs = frame_differences(expected, actual)
    assert not diffs, "frames differ:\n" + "\n".join(diffs)


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
