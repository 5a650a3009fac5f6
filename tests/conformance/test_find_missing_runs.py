"""T1 find_missing_runs: maximal NaN runs as (starts, lengths), int64."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundations.errors import TransformInputError

nan = np.nan


def reference_runs(values: list[float]) -> tuple[list[int], list[int]]:
    """The obviously correct loop: walk the values, open a run at a NaN, close it after."""
    starts: list[int] = []
    lengths: list[int] = []
    run_start = None
    for i, v in enumerate(values):
        if v != v:  # NaN
            if run_start is None:
                run_start = i
        elif run_start is not None:
            starts.append(run_start)
            lengths.append(i - run_start)
            run_start = None
    if run_start is not None:
        starts.append(run_start)
        lengths.append(len(values) - run_start)
    return starts, lengths


def check(result: object, starts: list[int], lengths: list[int]) -> None:
    assert isinstance(result, tuple) and len(result) == 2
    got_starts, got_lengths = result
    assert isinstance(got_starts, np.ndarray) and isinstance(got_lengths, np.ndarray)
    assert got_starts.dtype == np.int64 and got_lengths.dtype == np.int64
    assert got_starts.ndim == 1 and got_lengths.ndim == 1
    assert got_starts.tolist() == starts
    assert got_lengths.tolist() == lengths


@pytest.mark.parametrize(
    ("values", "starts", "lengths"),
    [
        ([], [], []),
        ([1.0], [], []),
        ([nan], [0], [1]),
        ([1.0, 2.0, 3.0], [], []),
        ([nan, nan, nan, nan], [0], [4]),
        ([nan, 1.0, nan, nan, 2.0, nan], [0, 2, 5], [1, 2, 1]),
        ([1.0, nan, nan, nan, 2.0, 3.0, nan, 4.0], [1, 6], [3, 1]),
        ([0.0, -0.0, nan, 5.5, nan, nan], [2, 4], [1, 2]),
        # infinities are values, not gaps
        ([np.inf, nan, -np.inf, nan], [1, 3], [1, 1]),
    ],
    ids=[
        "empty",
        "one-value",
        "one-nan",
        "no-nan",
        "all-nan",
        "edges-and-middle",
        "interior",
        "zeros-are-values",
        "infinities-are-values",
    ],
)
def test_hand_written_cases(
    backend: str, call_transform, values: list[float], starts: list[int], lengths: list[int]
) -> None:
    check(call_transform("find_missing_runs", np.array(values, dtype=np.float64)), starts, lengths)


def test_input_is_not_mutated(backend: str, call_transform) -> None:
    values = np.array([1.0, nan, nan, 3.0, nan])
    before = values.copy()
    call_transform("find_missing_runs", values)
    np.testing.assert_array_equal(values, before)


def test_non_contiguous_view(backend: str, call_transform) -> None:
    base = np.array([nan, 0.0, nan, 0.0, 1.0, 0.0, nan, 0.0, nan, 0.0])
    check(call_transform("find_missing_runs", base[::2]), [0, 3], [2, 2])


def test_long_input_pattern(backend: str, call_transform) -> None:
    n = 1_000_000
    values = np.arange(n, dtype=np.float64)
    values[::3] = nan  # runs of 1 at 0, 3, 6, ...
    values[11:20] = nan  # one run of 9 swallowing 12, 15, 18 (9 and 21 stay apart)
    starts = [s for s in range(0, n, 3) if not 11 <= s < 20]
    starts.insert(starts.index(9) + 1, 11)
    lengths = [9 if s == 11 else 1 for s in starts]
    check(call_transform("find_missing_runs", values), starts, lengths)


@pytest.mark.parametrize(
    "values",
    [np.zeros((2, 3)), np.float64(1.0), np.array(["a", "b"])],
    ids=["2-d", "0-d", "strings"],
)
def test_bad_input_raises(backend: str, call_transform, values: np.ndarray) -> None:
    with pytest.raises(TransformInputError):
        call_transform("find_missing_runs", values)


# call_transform is function-scoped but stateless, so reusing it across examples is fine
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.just(nan),
            st.sampled_from([0.0, 1.0, -2.5, np.inf, -np.inf]),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=200,
    )
)
def test_matches_reference_loop(backend: str, call_transform, values: list[float]) -> None:
    starts, lengths = reference_runs(values)
    check(call_transform("find_missing_runs", np.array(values, dtype=np.float64)), starts, lengths)
