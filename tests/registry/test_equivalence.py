"""The equivalence rule: what counts as "the same output" for every backend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from registry.contracts import TransformOutput
from registry.equivalence import differences, equivalent, float_mismatches


def frame(values: list[float], key: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": key or [f"k{i}" for i in range(len(values))],
            "v": np.array(values, dtype=np.float64),
        }
    )


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        (1.0, 1.0 + 0.9e-9, True),
        (1.0, 1.0 + 1.1e-9, False),
        (1e6, 1e6 + 0.9e-3, True),  # relative to |expected| above 1
        (1e6, 1e6 + 1.1e-3, False),
        (0.0, 0.9e-9, True),  # absolute 1e-9 below 1
        (np.nan, np.nan, True),
        (np.nan, 0.0, False),
        (0.0, np.nan, False),
    ],
)
def test_float_tolerance(expected: float, actual: float, same: bool) -> None:
    assert (len(float_mismatches(np.array([expected]), np.array([actual]))) == 0) is same
    assert equivalent(frame([expected]), frame([actual])) is same


def test_keys_must_be_exactly_equal() -> None:
    diffs = differences(frame([1.0, 2.0], ["a", "b"]), frame([1.0, 2.0], ["a", "c"]))
    assert diffs == ["column 'key': 1 values differ at rows 1 (first: expected 'b', got 'c')"]


def test_columns_rows_order_and_dtypes() -> None:
    base = frame([1.0, 2.0])
    assert differences(base, base[["v", "key"]])[0].startswith("columns")
    assert differences(base, base.iloc[:1])[0].startswith("row count")
    assert differences(base, base.astype({"v": "float32"})) == [
        "column 'v': dtype float32 != float64"
    ]
    assert "index differs" in differences(
        base, base.iloc[::-1].reset_index(drop=True).set_axis([1, 0])
    )


def test_reports_and_method_codes_are_compared() -> None:
    f = frame([1.0])
    a = TransformOutput(f, {"rows": 1}, {"v": np.array([0], dtype=np.int8)})
    assert (
        differences(a, TransformOutput(f, {"rows": 1}, {"v": np.array([0], dtype=np.int8)})) == []
    )
    assert differences(a, TransformOutput(f, {"rows": 2}, a.methods))[0].startswith(
        "report differs"
    )
    assert differences(a, TransformOutput(f, {"rows": 1}, {"v": np.array([3], dtype=np.int8)}))[
        0
    ].startswith("methods 'v'")
    assert differences(a, TransformOutput(f, {"rows": 1}, None)) == [
        "method codes present in only one output"
    ]


def test_run_tuples_compare_elementwise() -> None:
    runs = (np.array([1, 4]), np.array([2, 1]))
    assert differences(runs, (np.array([1, 4]), np.array([2, 1]))) == []
    assert differences(runs, (np.array([1, 5]), np.array([2, 1])))[0].startswith("item 0:")
