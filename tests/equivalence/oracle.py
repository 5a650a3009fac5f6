"""An independent, deliberately plain implementation of T2 for testing backends.

Written straight from the rules in ``docs/contracts/transforms.md`` without
looking at the kernel: element-by-element time parsing, a Python loop over
rows to find gaps, one scipy ``CubicSpline`` per gap through all observed
points, and plain dicts for the climatology. It is slow and only handles
valid input (error cases are tested separately); what it buys is a second
opinion that shares no code with the backends.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline

from registry.contracts import FillMethod, ImputeOptions

EPOCH = pd.Timestamp("1970-01-01")


@dataclass
class OracleResult:
    frame: pd.DataFrame
    report: dict[str, dict[str, dict[str, Any]]]
    methods: dict[str, np.ndarray]


def kst_wall_clock(value: Any) -> pd.Timestamp:
    """One timestamp as naive Korean wall-clock time."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("Asia/Seoul").tz_localize(None)
    return stamp


def hours_since_epoch(stamp: pd.Timestamp) -> float:
    delta = stamp - EPOCH
    return delta.days * 24 + delta.seconds / 3600 + delta.microseconds / 3.6e9


def oracle_impute(
    frame: pd.DataFrame, options: ImputeOptions, history: pd.DataFrame | None = None
) -> OracleResult:
    stamps = [kst_wall_clock(v) for v in frame[options.time_col]]
    stations = list(frame[options.station_col])
    rows_of_station: dict[Any, list[int]] = defaultdict(list)
    for i, station in enumerate(stations):
        rows_of_station[station].append(i)
    for rows in rows_of_station.values():
        rows.sort(key=lambda i: stamps[i])

    hist_stamps: list[pd.Timestamp] = []
    hist_stations: list[Any] = []
    if history is not None and len(history):
        hist_stamps = [kst_wall_clock(v) for v in history[options.time_col]]
        hist_stations = list(history[options.station_col])

    out = frame.copy()
    report: dict[str, dict[str, dict[str, Any]]] = {}
    all_methods: dict[str, np.ndarray] = {}
    for column in options.columns:
        values = [float(v) for v in pd.to_numeric(frame[column], errors="coerce")]
        hist_values = (
            [float(v) for v in pd.to_numeric(history[column], errors="coerce")]
            if hist_stamps
            else []
        )
        filled, methods, column_report = _impute_column(
            values,
            stamps,
            rows_of_station,
            hist_values,
            hist_stamps,
            hist_stations,
            options.max_spline_gap,
        )
        out[column] = np.array(filled, dtype=np.float64)
        all_methods[column] = np.array(methods, dtype=np.int8)
        report[column] = column_report
    return OracleResult(out, report, all_methods)


def _impute_column(
    values: list[float],
    stamps: list[pd.Timestamp],
    rows_of_station: dict[Any, list[int]],
    hist_values: list[float],
    hist_stamps: list[pd.Timestamp],
    hist_stations: list[Any],
    max_gap: int,
) -> tuple[list[float], list[int], dict[str, dict[str, Any]]]:
    # Evidence for rule 6: observed input values plus history values.
    by_hour: dict[tuple[Any, int, int, int], list[float]] = defaultdict(list)
    by_station: dict[Any, list[float]] = defaultdict(list)
    everything: list[float] = []

    def add(station: Any, stamp: pd.Timestamp, value: float, known_station: bool) -> None:
        everything.append(value)
        if known_station:
            by_station[station].append(value)
            by_hour[(station, stamp.month, stamp.day, stamp.hour)].append(value)

    for station, rows in rows_of_station.items():
        for i in rows:
            if not math.isnan(values[i]):
                add(station, stamps[i], values[i], True)
    for value, stamp, station in zip(hist_values, hist_stamps, hist_stations, strict=True):
        if not math.isnan(value):
            add(station, stamp, value, station in rows_of_station)

    filled = list(values)
    methods = [FillMethod.OBSERVED if not math.isnan(v) else FillMethod.UNFILLED for v in values]
    report: dict[str, dict[str, Any]] = {}
    for station, rows in rows_of_station.items():
        xs = [hours_since_epoch(stamps[i]) for i in rows]
        ys = [values[i] for i in rows]
        known = [k for k, y in enumerate(ys) if not math.isnan(y)]
        gaps_by_length: dict[int, int] = defaultdict(int)
        k = 0
        while k < len(rows):
            if not math.isnan(ys[k]):
                k += 1
                continue
            start = k
            while k < len(rows) and math.isnan(ys[k]):
                k += 1
            end = k  # one past the gap
            gaps_by_length[end - start] += 1
            gap = range(start, end)
            left_ok, right_ok = start > 0, end < len(rows)
            short = end - start <= max_gap
            if short and left_ok and right_ok and len(known) >= 4:
                spline = CubicSpline([xs[j] for j in known], [ys[j] for j in known])
                for j in gap:
                    filled[rows[j]] = float(spline(xs[j]))
                    methods[rows[j]] = FillMethod.SPLINE
            elif short and left_ok and right_ok:
                x0, y0, x1, y1 = xs[start - 1], ys[start - 1], xs[end], ys[end]
                for j in gap:
                    filled[rows[j]] = y0 + (y1 - y0) * (xs[j] - x0) / (x1 - x0)
                    methods[rows[j]] = FillMethod.LINEAR
            elif short and (left_ok or right_ok):
                nearest = ys[start - 1] if left_ok else ys[end]
                for j in gap:
                    filled[rows[j]] = nearest
                    methods[rows[j]] = FillMethod.EDGE
            else:
                for j in gap:
                    stamp = stamps[rows[j]]
                    same_hour = by_hour.get((station, stamp.month, stamp.day, stamp.hour))
                    if same_hour:
                        filled[rows[j]], methods[rows[j]] = _mean(same_hour), FillMethod.CLIMATOLOGY
                    elif by_station.get(station):
                        filled[rows[j]] = _mean(by_station[station])
                        methods[rows[j]] = FillMethod.STATION_MEAN
                    elif everything:
                        filled[rows[j]], methods[rows[j]] = (
                            _mean(everything),
                            FillMethod.GLOBAL_MEAN,
                        )
        counts: dict[str, int] = defaultdict(int)
        for i in rows:
            counts[FillMethod(methods[i]).label] += 1
        report[str(station)] = {
            "gaps_by_length": dict(sorted(gaps_by_length.items())),
            "methods": {
                m.label: counts[m.label]
                for m in FillMethod
                if m not in (FillMethod.OBSERVED, FillMethod.UNFILLED) and counts[m.label]
            },
            "unfilled": counts[FillMethod.UNFILLED.label],
        }
    return filled, [int(m) for m in methods], report


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)
