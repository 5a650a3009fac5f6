"""Smoke tests of the benchmark tooling on tiny inputs (no timing is asserted)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from backend_harness.gaps import find_gaps
from benchmarks.generator import GeneratorSpec, describe, generate, spec_for_rows
from benchmarks.legacy_baseline import (
    find_consecutive_missing_groups,
    impute_missing_values_legacy,
)
from benchmarks.measure import frame_bytes, peak_traced_memory, time_call
from plugins.python_backend.imputation import impute_missing_values
from registry.contracts import FillMethod, ImputeOptions
from tests.equivalence.compare import assert_floats_equivalent

SMALL = GeneratorSpec(stations=3, hours=200, missing_ratio=0.1, seed=3)


def test_generator_is_seeded_and_shaped() -> None:
    frame = generate(SMALL)
    pd.testing.assert_frame_equal(frame, generate(SMALL))
    assert not frame.equals(
        generate(GeneratorSpec(stations=3, hours=200, missing_ratio=0.1, seed=4))
    )
    assert list(frame.columns) == ["tm", "stnNm", "ta", "hm"]
    assert frame["tm"].dtype == "datetime64[ns]" and frame["stnNm"].dtype == "str"
    assert len(frame) == 600 and frame["stnNm"].nunique() == 3
    stats = describe(frame)
    assert 0.1 <= stats["missing_ta"] <= 0.15 and 0.1 <= stats["missing_hm"] <= 0.15


def test_generator_gaps_come_from_the_requested_lengths() -> None:
    spec = GeneratorSpec(stations=1, hours=2000, missing_ratio=0.02, gap_lengths=(5,), seed=1)
    values = generate(spec)["ta"].to_numpy()
    lengths = find_gaps(values, np.array([0, len(values)])).lengths
    # Gaps of 5 may touch or overlap and merge into longer ones, never shorter.
    assert lengths.min() == 5 and (lengths == 5).mean() > 0.5


def test_spec_for_rows_matches_the_legacy_shape_and_scales_stations() -> None:
    assert (spec_for_rows(10_000).stations, spec_for_rows(10_000).hours) == (3, 3334)
    assert (spec_for_rows(1_000_000).stations, spec_for_rows(1_000_000).hours) == (100, 10_000)
    assert spec_for_rows(1_000, shuffle=True).shuffle


def test_shuffled_frames_hold_the_same_rows() -> None:
    shuffled = generate(GeneratorSpec(stations=2, hours=50, seed=9, shuffle=True))
    ordered = generate(GeneratorSpec(stations=2, hours=50, seed=9))
    key = ["stnNm", "tm"]
    pd.testing.assert_frame_equal(
        shuffled.sort_values(key).reset_index(drop=True),
        ordered.sort_values(key).reset_index(drop=True),
    )


def test_legacy_run_finder() -> None:
    series = pd.Series([np.nan, 1.0, np.nan, np.nan, 2.0, np.nan])
    assert find_consecutive_missing_groups(series) == [(0, 0), (2, 3), (5, 5)]


def test_legacy_baseline_fills_like_the_optimised_implementation() -> None:
    frame = generate(SMALL)
    filled, methods = impute_missing_values_legacy(frame)
    assert filled.shape == frame.shape and list(filled.columns) == list(frame.columns)
    assert filled.index.equals(frame.index)

    optimised = impute_missing_values(frame, ImputeOptions(with_methods=True), None)
    for column in ("ta", "hm"):
        assert filled[column].notna().all()
        np.testing.assert_array_equal(methods[column].to_numpy(), optimised.methods[column])
        assert_floats_equivalent(
            filled[column].to_numpy(), optimised.frame[column].to_numpy(), column
        )
    used = set(np.unique(methods["ta"])) | set(np.unique(methods["hm"]))
    # 200 hours never repeat a (month, day, hour): long gaps take the station mean.
    assert {FillMethod.SPLINE, FillMethod.STATION_MEAN} <= used


def test_measure_helpers_report_plausible_numbers() -> None:
    timing = time_call(lambda: sum(range(10_000)), repeats=3)
    assert timing.repeats == 3 and all(t >= 0 for t in timing.wall_s)
    memory = peak_traced_memory(lambda: np.ones(1_000_000))
    assert memory.peak_bytes >= 8_000_000
    assert frame_bytes(pd.DataFrame({"a": np.zeros(10)})) >= 80
