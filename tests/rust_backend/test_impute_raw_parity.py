"""T2 on raw columns: the rust backend's one native call agrees with the python reference.

Rust parses time strings, factorises stations, coerces value strings and
validates; these tests feed both backends the column kinds real inputs have
(string times in several forms, tz-aware and naive datetime64, numeric
strings, string and numeric stations, history) and every input error, and
require equivalent outputs or the same error message word for word.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundations.settings import LimitSettings
from registry.contracts import ImputeOptions
from tests.rust_backend.parity import assert_same_outcome

OPTIONS = ImputeOptions(with_methods=True)


def same(python_hooks: ModuleType, rust_hooks: ModuleType, *args: Any) -> str:
    return assert_same_outcome(
        python_hooks.impute_missing_values, rust_hooks.impute_missing_values, *args
    )


def weather(
    hours: int = 30,
    stations: tuple[Any, ...] = ("서울", "부산"),
    start: str = "2024-02-27 20:00",
    seed: int = 0,
) -> pd.DataFrame:
    """Hourly rows per station with gaps of every kind (short, long, edge)."""
    rng = np.random.default_rng(seed)
    times = pd.date_range(start, periods=hours, freq="h")
    n = hours * len(stations)
    ta = rng.normal(10, 3, n)
    hm = rng.uniform(30, 90, n)
    for gap in ([1], [4, 5], [9, 10, 11, 12, 13, 14], [0]):
        for k in range(len(stations)):
            ta[[k * hours + g for g in gap if g < hours]] = np.nan
    hm[::7] = np.nan
    return pd.DataFrame(
        {
            "tm": np.tile(times.to_numpy(), len(stations)),
            "stnNm": np.repeat(np.array(stations, dtype=object), hours),
            "ta": ta,
            "hm": hm,
            "extra": np.arange(n),
        }
    )


def strings(frame: pd.DataFrame, fmt: str = "%Y-%m-%d %H:%M") -> pd.DataFrame:
    out = frame.copy()
    out["tm"] = out["tm"].dt.strftime(fmt)
    return out


# --------------------------------------------------------------------------- time columns


@pytest.mark.parametrize(
    "fmt", ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y%m%d%H%M"]
)
def test_string_times(python_hooks: ModuleType, rust_hooks: ModuleType, fmt: str) -> None:
    frame = strings(weather(), fmt)
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


@pytest.mark.parametrize("dtype", ["str", "object", "string", "string[pyarrow]", "string[python]"])
def test_string_dtypes(python_hooks: ModuleType, rust_hooks: ModuleType, dtype: str) -> None:
    frame = strings(weather())
    for column in ("tm", "stnNm"):
        frame[column] = frame[column].astype(dtype)
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


def test_sliced_arrow_columns(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    # A slice of an Arrow column is a chunk with an offset into its buffers.
    pytest.importorskip("pyarrow")
    frame = strings(weather())
    frame["ta"] = [None if pd.isna(v) else f"{v}" for v in frame["ta"]]
    frame = frame.astype({"tm": "string[pyarrow]", "stnNm": "str", "ta": "string[pyarrow]"})
    assert same(python_hooks, rust_hooks, frame.iloc[7:], OPTIONS, frame.iloc[:5]) == "ok"
    bad = frame.iloc[9:].copy()
    bad.iloc[3, 0] = None
    assert same(python_hooks, rust_hooks, bad, OPTIONS, None) == "input"


def test_shuffled_rows_with_extra_index(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    frame = strings(weather()).sample(frac=1, random_state=3)
    frame.index = frame.index * 10 + 5
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


def test_mixed_formats_take_the_fallback(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    frame = strings(weather())
    frame = frame.astype({"tm": object})
    frame.loc[1, "tm"] = "2024/02/27 21:00"  # pandas reads it, Rust leaves it to pandas
    frame.loc[2, "tm"] = "2024-02-27T22:00:00+09:00"
    frame.loc[3, "tm"] = "27 Feb 2024 23:00"
    frame.loc[4, "tm"] = "2024-02-28 00:00:00.000"
    frame.loc[5, "tm"] = "  2024-02-28 01:00"
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


@pytest.mark.parametrize("limit", [0, 1_000])
def test_a_column_in_another_form(
    python_hooks: ModuleType, rust_hooks: ModuleType, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    # Every row goes to python: one by one, or (past the limit) the whole column at once.
    from energy_rust_backend import imputation

    monkeypatch.setattr(imputation, "MAX_ROWS_PARSED_ONE_BY_ONE", limit)
    frame = strings(weather(), "%Y/%m/%d %H:%M")
    history = strings(weather(start="2023-02-27 20:00"), "%Y.%m.%d %H:%M")
    assert same(python_hooks, rust_hooks, frame, OPTIONS, history) == "ok"
    frame.loc[3, "tm"] = "2024/02/30 10:00"
    assert same(python_hooks, rust_hooks, frame, OPTIONS, history) == "input"


def test_offsets_are_converted_to_kst(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    frame = weather()
    utc = frame["tm"] - pd.Timedelta(hours=9)
    frame["tm"] = utc.dt.strftime("%Y-%m-%dT%H:%MZ")
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


@pytest.mark.parametrize("tz", ["Asia/Seoul", "UTC", "America/New_York"])
def test_tz_aware_times(python_hooks: ModuleType, rust_hooks: ModuleType, tz: str) -> None:
    frame = weather()
    frame["tm"] = frame["tm"].dt.tz_localize("Asia/Seoul").dt.tz_convert(tz)
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


def test_tz_aware_times_before_fixed_kst(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    # 1987-88 summers had KDT (+10): pandas' time-zone database decides there.
    frame = weather(start="1988-05-07 20:00", hours=60)
    frame["tm"] = frame["tm"].dt.tz_localize("UTC")
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_naive_datetime64(python_hooks: ModuleType, rust_hooks: ModuleType, unit: str) -> None:
    frame = weather()
    frame["tm"] = frame["tm"].astype(f"datetime64[{unit}]")
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


def test_datetime_objects(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    frame = weather()
    frame["tm"] = pd.Series(list(frame["tm"].dt.to_pydatetime()), dtype=object)
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


# --------------------------------------------------------------------------- stations, values


@pytest.mark.parametrize(
    "stations", [(108, 159), (108.0, 159.5), ("108", "관측소 2")], ids=["int", "float", "str"]
)
def test_station_kinds(
    python_hooks: ModuleType, rust_hooks: ModuleType, stations: tuple[Any, ...]
) -> None:
    frame = strings(weather(stations=stations))
    history = strings(weather(stations=stations, start="2023-02-27 20:00"))
    assert same(python_hooks, rust_hooks, frame, OPTIONS, history) == "ok"


def test_history_of_another_station_type(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    frame = strings(weather(stations=("108", "159")))
    history = weather(stations=(108, 159), start="2023-02-27 20:00")
    assert same(python_hooks, rust_hooks, frame, OPTIONS, history) == "ok"
    assert same(python_hooks, rust_hooks, history, OPTIONS, frame) == "ok"


def test_history_with_other_stations(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    frame = strings(weather(stations=("a", "b")))
    history = strings(weather(stations=("b", "c", "a"), start="2023-02-27 20:00"))
    history["ta"] = history["ta"].astype(object).map(lambda v: "" if pd.isna(v) else f" {v} ")
    assert same(python_hooks, rust_hooks, frame, OPTIONS, history) == "ok"


def test_numeric_string_values(python_hooks: ModuleType, rust_hooks: ModuleType) -> None:
    frame = strings(weather())
    frame["ta"] = [
        "" if pd.isna(v) else [f"{v}", f" {v:.3e}\t", f"+{v}", "nan", "x"][i % 5]
        for i, v in enumerate(frame["ta"])
    ]
    frame["hm"] = frame["hm"].astype("string")
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


@pytest.mark.parametrize("dtype", ["int64", "Int64", "Float64", "float32", "bool", "object"])
def test_other_value_dtypes(python_hooks: ModuleType, rust_hooks: ModuleType, dtype: str) -> None:
    frame = weather()
    if dtype in ("int64", "Int64", "bool"):
        frame["hm"] = np.arange(len(frame)) % 3
    frame["hm"] = frame["hm"].astype(dtype)
    if dtype == "object":
        frame.loc[3, "hm"] = "7"  # a mixed column: python's own coercion
    assert same(python_hooks, rust_hooks, frame, OPTIONS, None) == "ok"


VALUE_TEXT = st.one_of(
    st.text(alphabet=" \t\n\x0b\x0c\r\x00\x1f\u3000+-.eE0123456789infatyINFAN_,x", max_size=8),
    st.from_regex(r"\A\s?[+-]?(\d{1,3}(\.\d{0,3})?|\.\d{1,3})([eE][+-]?\d{1,3})?\s?\Z"),
    st.sampled_from(
        ["inf", "-Infinity", "NaN", "nan", "1e400", "-1e-400", "0x10", "1_0", "\u0661"]
    ),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(st.one_of(VALUE_TEXT, st.none()), min_size=12, max_size=12),
    dtype=st.sampled_from(["object", "str", "string[python]"]),
)
def test_value_coercion_matches_pandas(
    python_hooks: ModuleType, rust_hooks: ModuleType, texts: list[str | None], dtype: str
) -> None:
    frame = strings(weather(hours=12, stations=("s",)))
    frame["ta"] = pd.Series(texts, dtype=dtype)
    same(python_hooks, rust_hooks, frame, OPTIONS, None)


# --------------------------------------------------------------------------- errors


def _with(frame: pd.DataFrame, column: str, rows: dict[int, Any]) -> pd.DataFrame:
    out = frame.astype({column: object})
    for row, value in rows.items():
        out.loc[row, column] = value
    return out


BASE = strings(weather())

ERROR_CASES: dict[str, Callable[[], tuple[Any, ...]]] = {
    "missing value column": lambda: (BASE.drop(columns="hm"), OPTIONS, None),
    "max columns": lambda: (BASE, OPTIONS, None, LimitSettings(max_columns=3)),
    "history max columns": lambda: (BASE, OPTIONS, BASE, LimitSettings(max_columns=4)),
    "unparseable times": lambda: (
        _with(BASE, "tm", {2: "2024-02-30 10:00", 5: None, 7: "", 9: np.nan}),
        OPTIONS,
        None,
    ),
    "many unparseable times": lambda: (BASE.assign(tm="24:00"), OPTIONS, None),
    "missing times in a string column": lambda: (
        BASE.astype({"tm": "string"}).pipe(_with, "tm", {4: pd.NA}).astype({"tm": "string"}),
        OPTIONS,
        None,
    ),
    "NaT in datetime64": lambda: (
        _with(weather(), "tm", {3: pd.NaT}).astype({"tm": "datetime64[ns]"}),
        OPTIONS,
        None,
    ),
    "empty stations": lambda: (_with(BASE, "stnNm", {0: " ", 4: None, 8: ""}), OPTIONS, None),
    "empty numeric stations": lambda: (
        strings(weather(stations=(1.0, 2.0)))
        .pipe(_with, "stnNm", {3: np.nan})
        .astype({"stnNm": float}),
        OPTIONS,
        None,
    ),
    "duplicates": lambda: (
        _with(BASE, "tm", {3: BASE["tm"][2], 40: BASE["tm"][41]}),
        OPTIONS,
        None,
    ),
    "duplicates at a fraction of a second": lambda: (
        _with(BASE, "tm", {3: "2024-02-27 22:00:00.5", 4: "2024-02-27T22:00:00.500000"}),
        OPTIONS,
        None,
    ),
    "control characters": lambda: (
        _with(BASE, "ta", {1: "5\x002", 6: " 7\x1f", 9: "\t8\n"}),
        OPTIONS,
        None,
    ),
    "infinite": lambda: (_with(BASE, "hm", {2: "inf", 3: "-Infinity"}), OPTIONS, None),
    "infinite float": lambda: (BASE.assign(hm=np.inf), OPTIONS, None),
    "history missing column": lambda: (BASE, OPTIONS, BASE.drop(columns="ta")),
    "history bad times": lambda: (BASE, OPTIONS, _with(BASE, "tm", {0: "x"})),
    "history empty stations": lambda: (BASE, OPTIONS, _with(BASE, "stnNm", {1: None})),
    "history control characters": lambda: (BASE, OPTIONS, _with(BASE, "ta", {3: "1\x07"})),
    "numeric times": lambda: (BASE.assign(tm=1.5), OPTIONS, None),
    "stations that read the same": lambda: (
        _with(BASE, "stnNm", {0: 108, 1: "108"}),
        OPTIONS,
        None,
    ),
    # Two errors at once: the first one python meets is the one reported.
    "times before stations": lambda: (
        _with(_with(BASE, "stnNm", {0: None}), "tm", {5: "bad"}),
        OPTIONS,
        None,
    ),
    "stations before values": lambda: (
        _with(_with(BASE, "stnNm", {0: 108, 1: "108"}), "ta", {5: "\x00"}),
        OPTIONS,
        None,
    ),
    "duplicates before values": lambda: (
        _with(_with(BASE, "tm", {1: BASE["tm"][0]}), "ta", {5: "\x00"}),
        OPTIONS,
        None,
    ),
    "frame values before history": lambda: (
        _with(BASE, "hm", {5: "\x00"}),
        OPTIONS,
        BASE.drop(columns="ta"),
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_word_for_word(python_hooks: ModuleType, rust_hooks: ModuleType, case: str) -> None:
    assert same(python_hooks, rust_hooks, *ERROR_CASES[case]()) == "input"
