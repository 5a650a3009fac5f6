"""T2 ``prepare``: validation errors, time parsing, station grouping, history arrays."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pandas as pd
import pytest

from backend_harness.imputation import prepare
from foundations.errors import TransformInputError
from registry.contracts import ImputeOptions

OPTIONS = ImputeOptions()


def frame_of(
    times: list, stations: list, ta: list | None = None, hm: list | None = None
) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame(
        {
            "tm": times,
            "stnNm": stations,
            "ta": ta if ta is not None else [1.0] * n,
            "hm": hm if hm is not None else [2.0] * n,
        }
    )


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("missing", ["tm", "stnNm", "hm"])
def test_missing_column_is_named(missing: str) -> None:
    frame = frame_of(["2024-01-01 00:00"], ["서울"]).drop(columns=[missing])
    with pytest.raises(TransformInputError, match=f"frame has no column '{missing}'"):
        prepare(frame, OPTIONS)


def test_missing_history_column_is_named() -> None:
    frame = frame_of(["2024-01-01 00:00"], ["서울"])
    history = frame.drop(columns=["hm"])
    with pytest.raises(TransformInputError, match="history has no column 'hm'"):
        prepare(frame, OPTIONS, history)


def test_unparseable_times_name_their_rows() -> None:
    frame = frame_of(
        ["2024-01-01 00:00", "not a time", "2024-01-01 02:00", None, "2024-13-01 00:00"],
        ["서울"] * 5,
    )
    with pytest.raises(TransformInputError, match=r"unparseable times at rows \[1, 3, 4\]") as info:
        prepare(frame, OPTIONS)
    assert "'tm'" in str(info.value)


def test_numeric_time_column_is_refused_with_the_fix() -> None:
    frame = frame_of([2024010100, 2024010101], ["서울", "서울"])
    with pytest.raises(TransformInputError, match=r"holds numbers.*'2024-01-31 13:00'"):
        prepare(frame, OPTIONS)


def test_empty_station_values_name_their_rows() -> None:
    frame = frame_of(["2024-01-01 00:00"] * 4, ["서울", "", None, "  "])
    with pytest.raises(
        TransformInputError, match=r"station column 'stnNm' is empty at rows \[1, 2, 3\]"
    ):
        prepare(frame, OPTIONS)


def test_missing_station_in_a_nullable_string_column_is_named() -> None:
    frame = frame_of(
        ["2024-01-01 00:00", "2024-01-01 01:00"], pd.array(["서울", pd.NA], dtype="string")
    )
    with pytest.raises(TransformInputError, match=r"is empty at rows \[1\]"):
        prepare(frame, OPTIONS)


def test_stations_that_collide_as_text_are_refused() -> None:
    frame = pd.DataFrame(
        {
            "tm": ["2024-01-01 00:00"] * 2,
            "stnNm": pd.Series([108, "108"], dtype=object),
            "ta": 1.0,
            "hm": 1.0,
        }
    )
    with pytest.raises(TransformInputError, match="read the same as text"):
        prepare(frame, OPTIONS)


def test_duplicate_station_time_pairs_name_every_row_involved() -> None:
    frame = frame_of(
        ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 00:00", "2024-01-01 01:00"],
        ["서울", "서울", "부산", "서울"],
    )
    with pytest.raises(
        TransformInputError, match=r"duplicate \(stnNm, tm\) pairs at rows \[1, 3\]"
    ):
        prepare(frame, OPTIONS)


def test_same_instant_written_in_two_zones_is_a_duplicate() -> None:
    frame = frame_of(["2024-01-01 09:00", "2024-01-01T00:00:00+00:00"], ["서울", "서울"])
    with pytest.raises(TransformInputError, match=r"rows \[0, 1\]"):
        prepare(frame, OPTIONS)


def test_long_row_lists_are_cut_short() -> None:
    frame = frame_of(["x"] * 25, ["서울"] * 25)
    with pytest.raises(TransformInputError, match=r"\[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\] and 15 more"):
        prepare(frame, OPTIONS)


def test_infinite_values_are_refused() -> None:
    frame = frame_of(["2024-01-01 00:00", "2024-01-01 01:00"], ["서울"] * 2, ta=[1.0, np.inf])
    with pytest.raises(TransformInputError, match=r"value column 'ta' is infinite at rows \[1\]"):
        prepare(frame, OPTIONS)


def test_history_errors_say_history() -> None:
    frame = frame_of(["2024-01-01 00:00"], ["서울"])
    history = frame_of(["2023-01-01 00:00", "garbage"], ["서울", "서울"])
    with pytest.raises(TransformInputError, match=r"history time column 'tm' .* rows \[1\]"):
        prepare(frame, OPTIONS, history)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ImputeOptions(max_spline_gap=-1), "max_spline_gap must be an integer >= 0"),
        (ImputeOptions(max_spline_gap=2.5), "max_spline_gap must be an integer >= 0"),  # type: ignore[arg-type]
        (ImputeOptions(columns="ta"), "write columns=\\('ta',\\)"),  # type: ignore[arg-type]
        (ImputeOptions(columns=("ta", "ta")), "names \\['ta'\\] more than once"),
        (ImputeOptions(columns=("tm",)), "cannot also be a value column"),
    ],
)
def test_bad_options_are_explained(options: ImputeOptions, message: str) -> None:
    with pytest.raises(TransformInputError, match=message):
        prepare(frame_of(["2024-01-01 00:00"], ["서울"]), options)


def test_not_a_frame_is_refused() -> None:
    with pytest.raises(TransformInputError, match="must be a pandas DataFrame, got dict"):
        prepare({"tm": []}, OPTIONS)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- times


KST_HOURS_2024_01_01 = 473_352.0  # hours from 1970-01-01 00:00 to 2024-01-01 00:00


@pytest.mark.parametrize(
    "times",
    [
        pytest.param(["2024-01-01 00:00", "2024-01-01 01:00"], id="naive-strings"),
        pytest.param(["2024-01-01T00:00:00", "2024-01-01T01:00:00"], id="iso-strings"),
        pytest.param(["2023-12-31T15:00:00+00:00", "2023-12-31T16:00:00Z"], id="utc-strings"),
        pytest.param(["2024-01-01 00:00", "2023-12-31T16:00:00+00:00"], id="mixed-strings"),
        pytest.param(
            pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00"]).astype("datetime64[s]"),
            id="datetime64-seconds",
        ),
        pytest.param(
            pd.to_datetime(["2023-12-31 15:00", "2023-12-31 16:00"]).tz_localize("UTC"),
            id="tz-aware-utc",
        ),
        pytest.param(
            pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00"]).tz_localize("Asia/Seoul"),
            id="tz-aware-kst",
        ),
    ],
)
def test_times_become_kst_wall_clock_hours(times: list) -> None:
    prepared = prepare(frame_of(list(times), ["서울", "서울"]), OPTIONS)
    assert prepared.x.tolist() == [KST_HOURS_2024_01_01, KST_HOURS_2024_01_01 + 1]
    assert prepared.clim_key.tolist() == [10100, 10101]


def test_python_datetime_objects_naive_are_kst_and_aware_are_converted() -> None:
    from datetime import datetime, timedelta, timezone

    naive = [datetime(2024, 1, 1, 0), datetime(2024, 1, 1, 1)]
    assert prepare(frame_of(naive, ["서울"] * 2), OPTIONS).x.tolist() == [
        KST_HOURS_2024_01_01,
        KST_HOURS_2024_01_01 + 1,
    ]
    aware = [datetime(2023, 12, 31, 15, tzinfo=UTC),
             datetime(2024, 1, 1, 1, tzinfo=timezone(timedelta(hours=9)))]  # fmt: skip
    assert prepare(frame_of(aware, ["서울"] * 2), OPTIONS).x.tolist() == [
        KST_HOURS_2024_01_01,
        KST_HOURS_2024_01_01 + 1,
    ]


def test_leading_empty_time_string_does_not_hide_the_format() -> None:
    frame = frame_of(["", "2024-01-01 01:00"], ["서울"] * 2)
    with pytest.raises(TransformInputError, match=r"unparseable times at rows \[0\]"):
        prepare(frame, OPTIONS)


def test_string_and_datetime64_columns_prepare_identically() -> None:
    stamps = pd.date_range("2024-02-28 22:00", periods=5, freq="h")
    as_datetime = prepare(frame_of(stamps, ["서울"] * 5), OPTIONS)
    as_strings = prepare(
        frame_of(stamps.strftime("%Y-%m-%d %H:%M").tolist(), ["서울"] * 5), OPTIONS
    )
    assert np.array_equal(as_datetime.x, as_strings.x)
    assert np.array_equal(as_datetime.clim_key, as_strings.clim_key)
    # Feb 29 exists in 2024 and the calendar key says so.
    assert as_strings.clim_key.tolist() == [22822, 22823, 22900, 22901, 22902]


def test_half_hours_give_fractional_x() -> None:
    prepared = prepare(frame_of(["2024-01-01 00:30"], ["서울"]), OPTIONS)
    assert prepared.x.tolist() == [KST_HOURS_2024_01_01 + 0.5]


# --------------------------------------------------------------------------- grouping and sorting


def test_rows_are_grouped_by_station_in_order_of_appearance_then_sorted_by_time() -> None:
    frame = frame_of(
        ["2024-01-01 02:00", "2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 00:00"],
        ["서울", "서울", "부산", "부산"],
        ta=[3.0, 1.0, 20.0, 10.0],
    )
    prepared = prepare(frame, OPTIONS)
    assert prepared.stations == ("서울", "부산")
    assert prepared.group_starts.tolist() == [0, 2, 4]
    assert prepared.order.tolist() == [1, 0, 3, 2]
    assert prepared.values["ta"].tolist() == [1.0, 3.0, 10.0, 20.0]


def test_input_already_in_order_is_used_without_copies() -> None:
    frame = frame_of(
        ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 00:00"], ["서울", "서울", "부산"]
    )
    prepared = prepare(frame, OPTIONS)
    assert prepared.order.tolist() == [0, 1, 2]
    assert np.shares_memory(prepared.values["ta"], frame["ta"].to_numpy())


def test_stations_interleaved_in_several_runs_form_one_group() -> None:
    frame = frame_of(
        [f"2024-01-01 0{h}:00" for h in range(6)],
        ["A", "A", "B", "A", "B", "B"],
    )
    prepared = prepare(frame, OPTIONS)
    assert prepared.group_starts.tolist() == [0, 3, 6]
    assert prepared.order.tolist() == [0, 1, 3, 2, 4, 5]


def test_values_are_coerced_to_float() -> None:
    frame = frame_of(
        ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00", "2024-01-01 03:00"],
        ["서울"] * 4,
        ta=["1.5", "", "abc", " 2 "],
    )
    values = prepare(frame, OPTIONS).values["ta"]
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, [1.5, np.nan, np.nan, 2.0])


def test_prepared_arrays_are_read_only() -> None:
    prepared = prepare(frame_of(["2024-01-01 00:00"], ["서울"]), OPTIONS)
    with pytest.raises(ValueError, match="read-only"):
        prepared.values["ta"][0] = 5.0


def test_empty_frame_prepares_to_empty_arrays() -> None:
    frame = frame_of([], [])
    prepared = prepare(frame, OPTIONS)
    assert prepared.n_rows == 0
    assert prepared.group_starts.tolist() == [0]


# --------------------------------------------------------------------------- history


def test_history_rows_map_to_input_groups_or_minus_one() -> None:
    frame = frame_of(["2024-03-01 05:00", "2024-03-01 05:00"], ["서울", "부산"])
    history = frame_of(
        ["2023-03-01 05:00", "2020-02-29 23:00", "2023-03-01 06:00"],
        ["서울", "울릉도", "부산"],
        ta=[1.0, 2.0, np.nan],
    )
    prepared = prepare(frame, OPTIONS, history)
    assert prepared.stations == ("서울", "부산")
    assert prepared.hist_group.tolist() == [0, -1, 1]
    assert prepared.hist_key.tolist() == [30105, 22923, 30106]
    np.testing.assert_array_equal(prepared.hist_values["ta"], [1.0, 2.0, np.nan])


def test_duplicate_history_rows_are_allowed() -> None:
    frame = frame_of(["2024-03-01 05:00"], ["서울"])
    history = frame_of(["2023-03-01 05:00"] * 2, ["서울"] * 2)
    assert len(prepare(frame, OPTIONS, history).hist_group) == 2
