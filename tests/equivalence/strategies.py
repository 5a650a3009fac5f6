"""Hypothesis strategies for T2 inputs: stations, times, gap patterns and history.

The shapes aim at the rules' corners: edge gaps, interior gaps of 1..8 rows,
stations with fewer than 4 observed points, all-NaN columns, Feb 29,
irregular (and half-hour) timestamps, rows out of order, times given as
datetime64, naive strings, UTC strings or a mix, and history frames that
hit the climatology, miss it, or name stations absent from the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from registry.contracts import ImputeOptions

#: Station names as the KMA portal gives them (one digit-only, as a string).
STATION_NAMES = ("서울", "부산", "대관령", "속초", "108")
#: Seven days around Feb 29 of a leap year.
START = pd.Timestamp("2024-02-26 00:00")
SPAN_HALF_HOURS = 7 * 48
VALUE_COLUMNS = ("ta", "hm")
TIME_FORMATS = ("datetime64", "naive_str", "utc_str", "utc_datetime64", "mixed_str")


@dataclass
class T2Case:
    frame: pd.DataFrame
    options: ImputeOptions
    history: pd.DataFrame | None


values = st.floats(min_value=-60.0, max_value=100.0, allow_nan=False, allow_infinity=False)


@st.composite
def missing_mask(draw: st.DrawFn, n: int) -> list[bool]:
    """Which of ``n`` rows are missing, as runs of observed/missing rows."""
    pattern = draw(st.sampled_from(["runs", "runs", "runs", "all_missing", "few_observed", "none"]))
    if pattern == "all_missing" or n == 0:
        return [True] * n
    if pattern == "none":
        return [False] * n
    if pattern == "few_observed":
        # 0..3 observed rows close together, so short interior gaps between them occur
        first = draw(st.integers(0, max(n - 1, 0)))
        keep = draw(st.sets(st.integers(first, min(first + 6, n - 1)), max_size=min(3, n)))
        return [i not in keep for i in range(n)]
    mask: list[bool] = []
    missing = draw(st.booleans())
    while len(mask) < n:
        mask.extend([missing] * draw(st.integers(1, 8)))
        missing = not missing
    return mask[:n]


@st.composite
def station_rows(draw: st.DrawFn, station: str) -> pd.DataFrame:
    """One station's rows: times (regular or irregular), and values with gaps."""
    n = draw(st.integers(0, 36))
    if draw(st.booleans()):
        offsets = [2 * i for i in range(n)]  # hourly
    else:
        offsets = sorted(
            draw(st.lists(st.integers(0, SPAN_HALF_HOURS), min_size=n, max_size=n, unique=True))
        )
    times = [START + pd.Timedelta(minutes=30 * o) for o in offsets]
    data: dict[str, object] = {"tm": times, "stnNm": [station] * n}
    for column in VALUE_COLUMNS:
        mask = draw(missing_mask(n))
        data[column] = [np.nan if m else draw(values) for m in mask]
    return pd.DataFrame(data)


def _format_times(times: pd.Series, how: str, flags: list[bool]) -> pd.Series:
    naive = pd.to_datetime(times).astype("datetime64[ns]")
    utc = naive.dt.tz_localize("Asia/Seoul").dt.tz_convert("UTC")
    if how == "datetime64":
        return naive
    if how == "naive_str":
        return naive.dt.strftime("%Y-%m-%d %H:%M")
    if how == "utc_str":
        return utc.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    if how == "utc_datetime64":
        return utc
    # mixed: some naive KST strings, some UTC strings (the slow parse path)
    as_naive = naive.dt.strftime("%Y-%m-%d %H:%M")
    as_utc = utc.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return pd.Series(np.where(flags, as_utc, as_naive), index=times.index, dtype="str")


@st.composite
def history_frames(draw: st.DrawFn, stations: list[str]) -> pd.DataFrame | None:
    """Earlier observations: same stations (plus maybe an unknown one), 2020 and 2023."""
    if not draw(st.booleans()):
        return None
    names = draw(
        st.lists(st.sampled_from([*stations, "울릉도"]), min_size=1, max_size=4, unique=True)
    )
    parts = []
    for name in names:
        year = draw(st.sampled_from([2020, 2023]))  # 2020 has a Feb 29, 2023 has not
        # Mostly the input's week (climatology hits), some up to three months away.
        hour = st.one_of(st.integers(0, 7 * 24 - 1), st.integers(-90 * 24, 90 * 24))
        hours = draw(st.lists(hour, max_size=20, unique=True))
        base = START.replace(year=year)
        times = [base + pd.Timedelta(hours=h) for h in hours]
        part = {"tm": times, "stnNm": [name] * len(times)}
        for column in VALUE_COLUMNS:
            part[column] = [draw(st.one_of(values, st.just(np.nan))) for _ in times]
        parts.append(pd.DataFrame(part))
    history = pd.concat(parts, ignore_index=True)
    history["tm"] = pd.to_datetime(history["tm"]).astype("datetime64[ns]")
    return history


@st.composite
def t2_cases(draw: st.DrawFn) -> T2Case:
    """A full T2 input: a shuffled multi-station frame, options and optional history."""
    stations = draw(st.lists(st.sampled_from(STATION_NAMES), min_size=1, max_size=4, unique=True))
    frame = pd.concat([draw(station_rows(s)) for s in stations], ignore_index=True)
    n = len(frame)
    permutation = draw(st.permutations(range(n)))
    frame = frame.iloc[list(permutation)]
    if draw(st.booleans()):
        frame.index = pd.Index([f"r{i}" for i in range(n)], dtype="str")
    else:
        frame = frame.reset_index(drop=True)
    how = draw(st.sampled_from(TIME_FORMATS))
    flags = [draw(st.booleans()) for _ in range(n)] if how == "mixed_str" else []
    frame["tm"] = _format_times(frame["tm"], how, flags)
    frame["stnNm"] = frame["stnNm"].astype("str")
    frame["ta"] = frame["ta"].astype("float64")
    frame["hm"] = frame["hm"].astype("float64")
    columns = draw(st.sampled_from([("ta", "hm"), ("ta",), ("hm",)]))
    options = ImputeOptions(
        columns=columns,
        max_spline_gap=draw(st.integers(0, 5)),
        with_methods=True,
    )
    return T2Case(frame=frame, options=options, history=draw(history_frames(stations)))
