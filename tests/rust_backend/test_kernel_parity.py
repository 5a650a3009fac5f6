"""T2's Rust kernel against the python kernel, array for array, on generated inputs.

The conformance suite compares whole frames with an oracle; this goes below
``prepare``: irregular and large x (hours since 1970), stations with 0..6
observed points, long and short gaps at edges and inside, history rows of
known and unknown stations, and ``max_spline_gap`` from 0 up.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_harness.kernel_input import KernelInput
from foundations.errors import TransformInputError
from plugins.python_backend.imputation_kernel import impute_kernel as python_kernel
from tests.equivalence.compare import assert_floats_equivalent

SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def kernel_inputs(draw: st.DrawFn) -> tuple:
    groups = draw(st.integers(0, 4))
    x, values, keys, starts = [], [], [], [0]
    for _ in range(groups):
        n = draw(st.integers(1, 30))
        origin = draw(st.floats(0, 500_000, allow_nan=False))
        steps = draw(
            st.lists(st.sampled_from([0.5, 1.0, 1.0, 1.0, 2.0, 7.25]), min_size=n, max_size=n)
        )
        x += list(origin + np.cumsum(steps))
        pattern = draw(st.sampled_from(["random", "sparse", "all_nan", "dense"]))
        p_nan = {"random": 0.4, "sparse": 0.85, "all_nan": 1.0, "dense": 0.1}[pattern]
        for _ in range(n):
            missing = draw(st.floats(0, 1)) < p_nan
            values.append(np.nan if missing else draw(st.floats(-60, 100, allow_nan=False)))
            keys.append(draw(st.sampled_from([10100, 10101, 22913, 123123])))
        starts.append(starts[-1] + n)
    h = draw(st.integers(0, 12))
    hist_group = [draw(st.integers(-1, groups - 1)) for _ in range(h)]
    hist_key = [draw(st.sampled_from([10100, 10101, 22913, 55555])) for _ in range(h)]
    hist_values = [
        draw(st.one_of(st.just(np.nan), st.floats(-60, 100, allow_nan=False))) for _ in range(h)
    ]
    return (
        np.array(x, dtype=np.float64),
        np.array(starts, dtype=np.int64),
        np.array(values, dtype=np.float64),
        np.array(keys, dtype=np.int64),
        np.array(hist_group, dtype=np.int64),
        np.array(hist_key, dtype=np.int64),
        np.array(hist_values, dtype=np.float64),
        draw(st.integers(0, 5)),
    )


@SETTINGS
@given(args=kernel_inputs())
def test_kernel_matches_python(native: ModuleType, args: tuple) -> None:
    expected_filled, expected_methods = python_kernel(KernelInput(*args))
    filled, methods = native.impute_kernel(*args)
    assert methods.dtype == np.int8 and filled.dtype == np.float64
    np.testing.assert_array_equal(methods, expected_methods)
    assert_floats_equivalent(filled, expected_filled, "filled")


def test_long_series_spline_matches_scipy(native: ModuleType) -> None:
    """One station, 20k rows, many short gaps: one spline solve over all observed points."""
    rng = np.random.default_rng(7)
    n = 20_000
    x = 475_000.0 + np.cumsum(rng.choice([1.0, 1.0, 2.0], n))
    values = 10 * np.sin(x / 24) + rng.normal(0, 0.5, n)
    values[rng.random(n) < 0.2] = np.nan
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    args = (x, np.array([0, n]), values, np.zeros(n, dtype=np.int64), empty_i, empty_i, empty_f, 3)
    expected_filled, expected_methods = python_kernel(KernelInput(*args))
    filled, methods = native.impute_kernel(*args)
    np.testing.assert_array_equal(methods, expected_methods)
    assert_floats_equivalent(filled, expected_filled, "filled")


def test_kernel_refuses_inconsistent_arrays(rust_hooks: ModuleType) -> None:
    from energy_rust_backend.kernel import kernel_of

    kernel = kernel_of(rust_hooks.native)
    x = np.array([1.0, 1.0])
    args = (
        x,
        np.array([0, 2]),
        np.array([np.nan, 1.0]),
        np.zeros(2, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
        3,
    )
    with pytest.raises(TransformInputError, match="strictly increasing"):
        kernel(KernelInput(*args))
