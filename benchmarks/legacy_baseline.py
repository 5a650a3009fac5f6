"""A benchmark reference with the legacy imputation's cost shape. Not product code.

The legacy ``fetch_data/common/impute_missing.py`` is not in this repository;
this module rebuilds the three costs the seed plan (section 2, candidate A)
and docs/contracts/transforms.md attribute to it, so that Phase 0 can measure "before" and
"after" on the same machine:

* ``find_consecutive_missing_groups``: a per-element ``.iloc[i]`` loop;
* ``spline_impute``: a scipy ``interp1d(kind="cubic")`` built over the whole
  station series for every short gap (one spline solve per gap);
* ``historical_average_impute``: the whole frame re-filtered by station and
  by (month, day, hour) for every missing value, with ``.loc`` writes per
  value.

It fills by today's T2 rules (observed values only as inputs, nearest value
for short edge gaps, climatology -> station mean -> column mean), not by the
legacy code's buggy ones (docs/contracts/transforms.md lists them), so its output can be
checked against the optimised implementation and the speed comparison is
between two programs that do the same job.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import interp1d

from foundations.fill_methods import FillMethod


def find_consecutive_missing_groups(series: pd.Series) -> list[tuple[int, int]]:
    """Runs of missing values as (first, last) positions, legacy style: one ``.iloc`` per row."""
    is_missing = series.isna()
    groups: list[tuple[int, int]] = []
    start = None
    for i in range(len(is_missing)):
        if is_missing.iloc[i]:
            if start is None:
                start = i
        elif start is not None:
            groups.append((start, i - 1))
            start = None
    if start is not None:
        groups.append((start, len(is_missing) - 1))
    return groups


def spline_impute(
    x: np.ndarray, y: pd.Series, first: int, last: int
) -> tuple[np.ndarray, FillMethod]:
    """Values for the interior gap ``first..last``, fitting the whole series for this one gap."""
    known = y.notna().to_numpy()
    if known.sum() >= 4:
        spline = interp1d(x[known], y.to_numpy()[known], kind="cubic")
        return spline(x[first : last + 1]), FillMethod.SPLINE
    x0, x1 = x[first - 1], x[last + 1]
    y0, y1 = y.iloc[first - 1], y.iloc[last + 1]
    return y0 + (y1 - y0) * (x[first : last + 1] - x0) / (x1 - x0), FillMethod.LINEAR


def historical_average_impute(
    evidence: pd.DataFrame,
    time_col: str,
    station_col: str,
    station: object,
    column: str,
    when: pd.Timestamp,
) -> tuple[float, FillMethod]:
    """Rule 6 for one missing value, re-filtering the whole evidence frame each time."""
    station_data = evidence[evidence[station_col] == station]
    times = station_data[time_col]
    same_hour = station_data[
        (times.dt.month == when.month) & (times.dt.day == when.day) & (times.dt.hour == when.hour)
    ][column].dropna()
    if len(same_hour):
        return float(same_hour.mean()), FillMethod.CLIMATOLOGY
    station_values = station_data[column].dropna()
    if len(station_values):
        return float(station_values.mean()), FillMethod.STATION_MEAN
    everything = evidence[column].dropna()
    if len(everything):
        return float(everything.mean()), FillMethod.GLOBAL_MEAN
    return float("nan"), FillMethod.UNFILLED


def impute_missing_values_legacy(
    df: pd.DataFrame,
    time_col: str = "tm",
    station_col: str = "stnNm",
    columns: tuple[str, ...] = ("ta", "hm"),
    max_spline_gap: int = 3,
    history: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Fill gaps with the legacy cost shape; returns the filled frame and per-row method codes.

    Expects clean input (datetime64 or parseable times, no duplicates): it is
    a benchmark reference and does none of the validation T2 does.
    """
    original = df.copy()
    original[time_col] = pd.to_datetime(original[time_col])
    for column in columns:
        original[column] = pd.to_numeric(original[column], errors="coerce").astype(np.float64)
    evidence = original
    if history is not None and len(history):
        extra = history[[time_col, station_col, *columns]].copy()
        extra[time_col] = pd.to_datetime(extra[time_col])
        evidence = pd.concat([original, extra], ignore_index=True)

    result = df.copy()
    methods = {}
    for column in columns:
        result[column] = original[column]
        methods[column] = pd.Series(
            np.where(original[column].isna(), FillMethod.UNFILLED, FillMethod.OBSERVED).astype(
                np.int8
            ),
            index=df.index,
        )
    for station in original[station_col].unique():
        station_df = original[original[station_col] == station].sort_values(time_col, kind="stable")
        x = (
            station_df[time_col] - pd.Timestamp("1970-01-01")
        ).dt.total_seconds().to_numpy() / 3600.0
        for column in columns:
            series = station_df[column]
            for first, last in find_consecutive_missing_groups(series):
                labels = station_df.index[first : last + 1]
                short = last - first + 1 <= max_spline_gap
                has_left, has_right = first > 0, last < len(series) - 1
                if short and has_left and has_right:
                    values, method = spline_impute(x, series, first, last)
                    result.loc[labels, column] = values
                    methods[column].loc[labels] = method
                elif short and (has_left or has_right):
                    nearest = series.iloc[first - 1] if has_left else series.iloc[last + 1]
                    result.loc[labels, column] = nearest
                    methods[column].loc[labels] = FillMethod.EDGE
                else:
                    for label in labels:
                        when = original.loc[label, time_col]
                        value, method = historical_average_impute(
                            evidence, time_col, station_col, station, column, when
                        )
                        result.loc[label, column] = value
                        methods[column].loc[label] = method
    return result, methods
