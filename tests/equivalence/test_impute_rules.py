"""T2's rules on small hand-computed cases, for every backend (``call_transform``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from foundations.errors import TransformInputError
from registry.contracts import FillMethod, ImputeOptions

SPLINE, LINEAR, EDGE = FillMethod.SPLINE, FillMethod.LINEAR, FillMethod.EDGE
CLIM, STATION, GLOBAL = FillMethod.CLIMATOLOGY, FillMethod.STATION_MEAN, FillMethod.GLOBAL_MEAN
OBS, UNFILLED = FillMethod.OBSERVED, FillMethod.UNFILLED
NAN = np.nan


def hourly(
    station: str, start: str, ta: list[float], hm: list[float] | None = None
) -> pd.DataFrame:
    times = pd.date_range(start, periods=len(ta), freq="h")
    return pd.DataFrame(
        {
            "tm": times.strftime("%Y-%m-%d %H:%M"),
            "stnNm": [station] * len(ta),
            "ta": ta,
            "hm": hm if hm is not None else [50.0] * len(ta),
        }
    )


def run(call_transform, frame, history=None, **options):
    opts = ImputeOptions(with_methods=True, **options)
    return call_transform("impute_missing_values", frame, opts, history)


def test_cubic_data_is_reproduced_exactly_by_the_spline(call_transform) -> None:
    # A not-a-knot cubic spline reproduces any cubic polynomial.
    t = np.arange(10.0)
    truth = 0.05 * t**3 - 0.7 * t**2 + 2.0 * t + 3.0
    ta = truth.copy()
    ta[[3, 4, 7]] = NAN
    out = run(call_transform, hourly("서울", "2024-03-01 00:00", list(ta)))
    np.testing.assert_allclose(out.frame["ta"], truth, rtol=0, atol=1e-9)
    assert out.methods["ta"][[3, 4, 7]].tolist() == [SPLINE] * 3


def test_two_or_three_points_interpolate_linearly_between_neighbours(call_transform) -> None:
    ta = [10.0, NAN, NAN, 40.0, 100.0]  # the third point (100) must not bend the line
    out = run(call_transform, hourly("서울", "2024-03-01 00:00", ta))
    assert out.frame["ta"].tolist() == pytest.approx([10.0, 20.0, 30.0, 40.0, 100.0], abs=1e-12)
    assert out.methods["ta"].tolist() == [OBS, LINEAR, LINEAR, OBS, OBS]


def test_linear_uses_time_not_row_position(call_transform) -> None:
    frame = pd.DataFrame(
        {
            "tm": ["2024-03-01 00:00", "2024-03-01 01:00", "2024-03-01 04:00"],
            "stnNm": ["서울"] * 3,
            "ta": [0.0, NAN, 8.0],
            "hm": [1.0] * 3,
        }
    )
    out = run(call_transform, frame)
    assert out.frame["ta"].tolist()[1] == pytest.approx(2.0, abs=1e-12)


def test_short_edge_gaps_take_the_nearest_observed_value(call_transform) -> None:
    ta = [NAN, NAN, 5.0, 6.0, 7.0, 8.0, 9.0, NAN]
    out = run(call_transform, hourly("서울", "2024-03-01 00:00", ta))
    assert out.frame["ta"].tolist() == [5.0, 5.0, 5.0, 6.0, 7.0, 8.0, 9.0, 9.0]
    assert out.methods["ta"].tolist() == [EDGE, EDGE, OBS, OBS, OBS, OBS, OBS, EDGE]


def test_long_gaps_use_climatology_from_history_then_station_mean(call_transform) -> None:
    ta = [1.0, 2.0, NAN, NAN, NAN, NAN, 3.0]  # long gap: 02:00..05:00 on 2024-03-01
    history = pd.DataFrame(
        {
            "tm": ["2023-03-01 02:00", "2022-03-01 02:00", "2023-03-01 03:00", "2023-05-01 10:00"],
            "stnNm": ["서울"] * 4,
            "ta": [10.0, 20.0, NAN, 30.0],
            "hm": [1.0] * 4,
        }
    )
    out = run(call_transform, hourly("서울", "2024-03-01 00:00", ta), history)
    station_mean = (1.0 + 2.0 + 3.0 + 10.0 + 20.0 + 30.0) / 6
    expected = [1.0, 2.0, 15.0, station_mean, station_mean, station_mean, 3.0]
    assert out.frame["ta"].tolist() == pytest.approx(expected, rel=1e-12)
    assert out.methods["ta"].tolist() == [OBS, OBS, CLIM, STATION, STATION, STATION, OBS]


def test_observed_input_rows_count_toward_climatology(call_transform) -> None:
    # Two years of the same hour in the input: the 2024 gap row gets 2023's value.
    frame = pd.concat(
        [
            hourly("서울", "2023-03-01 00:00", [5.0, 7.0, 9.0]),
            hourly("서울", "2024-03-01 00:00", [NAN] * 3 + [1.0]),
        ],
        ignore_index=True,
    )
    out = run(call_transform, frame, max_spline_gap=2)
    assert out.frame["ta"].tolist()[3:] == [5.0, 7.0, 9.0, 1.0]
    assert out.methods["ta"].tolist()[3:] == [CLIM, CLIM, CLIM, OBS]


def test_station_without_observations_takes_the_column_mean(call_transform) -> None:
    frame = pd.concat(
        [hourly("서울", "2024-03-01 00:00", [1.0, 2.0]), hourly("부산", "2024-03-01 00:00", [NAN])],
        ignore_index=True,
    )
    history = pd.DataFrame(  # a station absent from the input counts for the column mean only
        {"tm": ["2023-03-01 00:00"], "stnNm": ["울릉도"], "ta": [6.0], "hm": [1.0]}
    )
    out = run(call_transform, frame, history)
    assert out.frame["ta"].tolist() == [1.0, 2.0, 3.0]
    assert out.methods["ta"].tolist() == [OBS, OBS, GLOBAL]
    assert out.report["ta"]["부산"] == {
        "gaps_by_length": {1: 1},
        "methods": {"global_mean": 1},
        "unfilled": 0,
    }


def test_nothing_to_fill_with_leaves_nan_and_counts_it(call_transform) -> None:
    frame = hourly("서울", "2024-03-01 00:00", [NAN, NAN], hm=[NAN, 4.0])
    out = run(call_transform, frame)
    assert out.frame["ta"].isna().all()
    assert out.methods["ta"].tolist() == [UNFILLED, UNFILLED]
    assert out.report["ta"]["서울"] == {"gaps_by_length": {2: 1}, "methods": {}, "unfilled": 2}
    assert out.frame["hm"].tolist() == [4.0, 4.0]


def test_history_of_one_station_never_leaks_into_anothers_climatology(call_transform) -> None:
    # History far outside the input's calendar range for station A must not
    # be mistaken for B's (month, day, hour) when keys are combined.
    frame = pd.concat(
        [
            hourly("A", "2024-01-01 00:00", [1.0] * 6),
            hourly("B", "2024-01-01 00:00", [NAN] * 5 + [2.0]),
        ],
        ignore_index=True,
    )
    history = pd.DataFrame(
        {
            "tm": ["2023-02-02 06:00", "2023-12-31 23:00"],
            "stnNm": ["A", "A"],
            "ta": [99.0, 98.0],
            "hm": [1.0, 1.0],
        }
    )
    out = run(call_transform, frame, history)
    assert out.frame["ta"].tolist()[6:] == [2.0] * 6
    assert out.methods["ta"].tolist()[6:] == [STATION] * 5 + [OBS]


def test_max_spline_gap_zero_sends_every_gap_to_rule_six(call_transform) -> None:
    ta = [1.0, NAN, 3.0, 5.0]
    out = run(call_transform, hourly("서울", "2024-03-01 00:00", ta), max_spline_gap=0)
    assert out.frame["ta"].tolist()[1] == pytest.approx(3.0)
    assert out.methods["ta"].tolist() == [OBS, STATION, OBS, OBS]


def test_gaps_are_found_per_station_even_when_rows_interleave(call_transform) -> None:
    frame = pd.DataFrame(
        {
            "tm": ["2024-03-01 00:00", "2024-03-01 00:00", "2024-03-01 01:00", "2024-03-01 01:00",
                   "2024-03-01 02:00", "2024-03-01 02:00"],
            "stnNm": ["A", "B", "A", "B", "A", "B"],
            "ta": [1.0, NAN, NAN, NAN, 3.0, 10.0],
            "hm": [1.0] * 6,
        }
    )  # fmt: skip
    out = run(call_transform, frame)
    assert out.frame["ta"].tolist() == [1.0, 10.0, 2.0, 10.0, 3.0, 10.0]
    assert out.report["ta"]["A"]["gaps_by_length"] == {1: 1}
    assert out.report["ta"]["B"]["gaps_by_length"] == {2: 1}


def test_output_keeps_index_columns_and_other_values(call_transform) -> None:
    frame = hourly("서울", "2024-03-01 00:00", [1.0, NAN, 3.0])
    frame["note"] = ["a", "b", "c"]
    frame["ta"] = ["1", "", "3"]  # strings are coerced; the output column is float64
    frame.index = pd.Index([30, 10, 20])
    frame = frame[["note", "hm", "tm", "ta", "stnNm"]]
    before = frame.copy(deep=True)

    out = call_transform("impute_missing_values", frame, ImputeOptions(), None)

    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(out.frame.columns) == ["note", "hm", "tm", "ta", "stnNm"]
    assert out.frame.index.tolist() == [30, 10, 20]
    assert out.frame["ta"].dtype == np.float64
    assert out.frame["ta"].tolist() == [1.0, 2.0, 3.0]
    assert out.frame["hm"].dtype == np.float64
    for column in ("note", "tm", "stnNm"):
        pd.testing.assert_series_equal(out.frame[column], before[column])
    assert out.methods is None


def test_report_counts_every_station_and_method(call_transform) -> None:
    frame = pd.concat(
        [
            hourly(
                "서울", "2024-03-01 00:00", [NAN, 1.0, NAN, 3.0, 4.0, 5.0, NAN, NAN, NAN, NAN, 9.0]
            ),
            hourly("부산", "2024-03-01 00:00", [2.0, 2.0]),
        ],
        ignore_index=True,
    )
    out = run(call_transform, frame, columns=("ta",))
    assert out.report == {
        "ta": {
            "서울": {
                "gaps_by_length": {1: 2, 4: 1},
                "methods": {"spline": 1, "edge": 1, "station_mean": 4},
                "unfilled": 0,
            },
            "부산": {"gaps_by_length": {}, "methods": {}, "unfilled": 0},
        }
    }
    assert set(out.methods) == {"ta"}
    assert out.methods["ta"].dtype == np.int8


def test_empty_frame_gives_empty_output(call_transform) -> None:
    frame = pd.DataFrame({"tm": pd.Series([], dtype="str"), "stnNm": pd.Series([], dtype="str"),
                          "ta": pd.Series([], dtype="float64"), "hm": pd.Series([], dtype="float64")})  # fmt: skip
    out = run(call_transform, frame)
    assert len(out.frame) == 0
    assert out.report == {"ta": {}, "hm": {}}
    assert out.methods["ta"].dtype == np.int8 and len(out.methods["ta"]) == 0


def test_bad_input_raises_the_same_error_for_every_backend(call_transform) -> None:
    frame = hourly("서울", "2024-03-01 00:00", [1.0, 2.0])
    frame.loc[1, "tm"] = frame.loc[0, "tm"]
    with pytest.raises(TransformInputError, match=r"duplicate .* rows \[0, 1\]"):
        run(call_transform, frame)
