"""The python T2 kernel on raw arrays: gap finding, method codes, purity, input checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backend_harness.gaps import find_gaps, group_ids
from backend_harness.imputation import assemble, impute_with_kernel, prepare
from backend_harness.kernel_input import KernelInput
from plugins.python_backend.imputation_kernel import impute_kernel
from registry.contracts import FillMethod, ImputeOptions

NAN = np.nan
EMPTY_I = np.zeros(0, dtype=np.int64)
EMPTY_F = np.zeros(0)


def kernel(
    values, group_starts=None, x=None, clim_key=None, hist=(EMPTY_I, EMPTY_I, EMPTY_F), gap=3
):
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    group_starts = np.array([0, n] if group_starts is None else group_starts, dtype=np.int64)
    x = np.arange(n, dtype=np.float64) if x is None else np.asarray(x, dtype=np.float64)
    clim_key = np.full(n, 10100, dtype=np.int64) if clim_key is None else np.asarray(clim_key)
    return impute_kernel(KernelInput(x, group_starts, values, clim_key, *hist, gap))


def test_find_gaps_splits_runs_at_station_boundaries() -> None:
    values = np.array([1.0, NAN, NAN, NAN, 2.0, NAN, NAN])
    gaps = find_gaps(values, np.array([0, 2, 5, 7]))
    assert gaps.starts.tolist() == [1, 2, 5]
    assert gaps.lengths.tolist() == [1, 2, 2]
    assert gaps.group.tolist() == [0, 1, 2]
    assert gaps.ends.tolist() == [2, 4, 7]


def test_find_gaps_of_nothing() -> None:
    gaps = find_gaps(np.zeros(0), np.array([0]))
    assert gaps.starts.dtype == np.int64 and len(gaps.starts) == 0


def test_group_ids() -> None:
    assert group_ids(np.array([0, 2, 3, 6])).tolist() == [0, 0, 1, 2, 2, 2]


def test_method_codes_cover_every_rule() -> None:
    values = [NAN, 1.0, NAN, 3.0, 4.0, 5.0, NAN, NAN, NAN, NAN, 9.0, 10.0, NAN]
    filled, methods = kernel(values)
    m = FillMethod
    assert methods.dtype == np.int8
    assert methods.tolist() == [
        m.EDGE, m.OBSERVED, m.SPLINE, m.OBSERVED, m.OBSERVED, m.OBSERVED,
        m.CLIMATOLOGY, m.CLIMATOLOGY, m.CLIMATOLOGY, m.CLIMATOLOGY, m.OBSERVED, m.OBSERVED, m.EDGE,
    ]  # fmt: skip
    # Every row shares one clim_key here, so climatology is the mean of the observed values.
    assert filled[6] == pytest.approx(np.mean([1.0, 3.0, 4.0, 5.0, 9.0, 10.0]))
    assert filled[0] == 1.0 and filled[12] == 10.0


def test_kernel_never_writes_to_its_inputs() -> None:
    values = np.array([1.0, NAN, 3.0, 4.0, 5.0, NAN, NAN, NAN, NAN])
    hist = (np.array([0, -1]), np.array([10100, 10100]), np.array([7.0, NAN]))
    arrays = [values, *hist]
    copies = [a.copy() for a in arrays]
    filled, _ = kernel(values, hist=hist)
    for original, copy in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(original, copy)
    assert filled is not values


def test_unknown_station_history_only_reaches_the_global_mean() -> None:
    hist = (np.array([-1]), np.array([10100]), np.array([8.0]))
    filled, methods = kernel([NAN, NAN, NAN, NAN, NAN, 2.0], group_starts=[0, 5, 6], hist=hist)
    assert methods.tolist()[:5] == [FillMethod.GLOBAL_MEAN] * 5
    assert filled[:5].tolist() == [5.0] * 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_starts": [0, 3]}, "group_starts must run from 0 to 4"),
        ({"group_starts": [0, 2, 2, 4]}, "strictly increasing"),
        ({"x": [0.0, 1.0]}, "must be 1-D of one length"),
        (
            {"hist": (np.array([5]), np.array([1]), np.array([1.0]))},
            "hist_group values must lie in -1..0",
        ),
        ({"hist": (np.array([0]), EMPTY_I, EMPTY_F)}, "hist_group, hist_key and hist_values"),
        ({"gap": -1}, "max_spline_gap must be an int >= 0"),
    ],
)
def test_kernel_rejects_arrays_that_break_its_contract(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kernel([1.0, NAN, 2.0, 3.0], **kwargs)


def test_assemble_rejects_a_kernel_result_of_the_wrong_shape() -> None:
    frame = pd.DataFrame({"tm": ["2024-01-01 00:00"], "stnNm": ["서울"], "ta": [1.0], "hm": [1.0]})

    def short_kernel(*args):
        return np.zeros(0), np.zeros(0, dtype=np.int8)

    with pytest.raises(ValueError, match=r"kernel output for column 'ta' has shapes"):
        impute_with_kernel(frame, ImputeOptions(), None, short_kernel)


def test_assemble_rejects_unknown_method_codes() -> None:
    frame = pd.DataFrame({"tm": ["2024-01-01 00:00"], "stnNm": ["서울"], "ta": [1.0], "hm": [1.0]})
    options = ImputeOptions(columns=("ta",))
    prepared = prepare(frame, options)
    with pytest.raises(ValueError, match=r"method codes outside 0\.\.7"):
        assemble(frame, prepared, {"ta": np.ones(1)}, {"ta": np.array([9], dtype=np.int8)}, options)


def test_assemble_scatters_sorted_results_back_to_input_order() -> None:
    frame = pd.DataFrame(
        {
            "tm": ["2024-01-01 01:00", "2024-01-01 00:00"],
            "stnNm": ["서울", "서울"],
            "ta": [NAN, NAN],
        }
    )
    options = ImputeOptions(columns=("ta",), with_methods=True)
    prepared = prepare(frame, options)
    assert prepared.order.tolist() == [1, 0]
    sorted_filled = np.array([100.0, 101.0])  # sorted rows: 00:00, 01:00
    sorted_codes = np.array([FillMethod.EDGE, FillMethod.LINEAR], dtype=np.int8)
    out = assemble(frame, prepared, {"ta": sorted_filled}, {"ta": sorted_codes}, options)
    assert out.frame["ta"].tolist() == [101.0, 100.0]
    assert out.methods["ta"].tolist() == [FillMethod.LINEAR, FillMethod.EDGE]
