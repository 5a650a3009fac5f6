"""Frames in the exact shapes of the transforms' outputs (hookspecs T2-T5), seeded.

Columns, order and dtypes follow registry/hookspecs.py; values are random but
reproducible so that two loads of "the same data" really are the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from foundations.fill_methods import FillMethod


def wind_frame(
    plants: Sequence[tuple[str, int, str]] = (("9997", 1, "영흥풍력 1"), ("9997", 2, "영흥풍력 2")),
    start: str = "2024-03-01",
    hours: int = 48,
    seed: int = 0,
    nan_fraction: float = 0.05,
) -> pd.DataFrame:
    """T3 ``wind_to_long`` output: sorted by (plant_code, unit, timestamp)."""
    rng = np.random.default_rng(seed)
    times = pd.date_range(start, periods=hours, freq="h").astype("datetime64[ns]")
    parts = []
    for code, unit, name in sorted(plants):
        generation = rng.gamma(2.0, 800.0, size=hours)
        generation[rng.random(hours) < nan_fraction] = np.nan
        parts.append(
            pd.DataFrame(
                {
                    "timestamp": times,
                    "plant_code": pd.Series([code] * hours, dtype="str"),
                    "unit": np.full(hours, unit, dtype=np.int64),
                    "plant_name": pd.Series([name] * hours, dtype="str"),
                    "generation": generation,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def pv_frame(
    units: Sequence[tuple[str, int]] = (("5707", 1), ("8760", 1)),
    days: Sequence[str] = ("2024-05-01", "2024-05-02"),
    seed: int = 0,
    hours: Sequence[int] = tuple(range(24)),
    scale: float = 1.0,
) -> pd.DataFrame:
    """T4 ``pv_to_long`` output for each unit and day, ``hours`` of each day present."""
    rng = np.random.default_rng(seed)
    parts = []
    for gencd, hogi in sorted(units):
        for day in sorted(days):
            stamps = pd.Timestamp(day) + pd.to_timedelta(list(hours), unit="h")
            generation = (
                np.clip(np.sin((np.asarray(hours) - 6) / 12 * np.pi), 0, None) * 900 * scale
            )
            generation = generation + rng.random(len(hours))
            parts.append(
                pd.DataFrame(
                    {
                        "datetime": pd.DatetimeIndex(stamps).astype("datetime64[ns]"),
                        "gencd": pd.Series([gencd] * len(hours), dtype="str"),
                        "plant_name": pd.Series([f"태양광 {gencd}"] * len(hours), dtype="str"),
                        "hogi": pd.array([hogi] * len(hours), dtype="Int64"),
                        "generation": generation,
                        "daily_total": np.full(len(hours), generation.sum()),
                        "daily_avg": np.full(len(hours), generation.mean()),
                        "daily_max": np.full(len(hours), generation.max()),
                        "daily_min": np.full(len(hours), generation.min()),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def weather_frame(
    stations: Sequence[tuple[int, str]] = ((108, "서울"), (159, "부산")),
    start: str = "2024-01-01",
    hours: int = 24,
    seed: int = 0,
) -> pd.DataFrame:
    """T5 ``asos_to_frame`` output (fields ``ta``, ``hm``) with a few missing values."""
    rng = np.random.default_rng(seed)
    times = pd.date_range(start, periods=hours, freq="h").astype("datetime64[ns]")
    parts = []
    for stn_id, name in stations:
        ta = np.round(rng.normal(5, 4, hours), 1)
        hm = np.round(rng.uniform(30, 95, hours), 1)
        ta[rng.random(hours) < 0.15] = np.nan
        hm[rng.random(hours) < 0.15] = np.nan
        parts.append(
            pd.DataFrame(
                {
                    "tm": times,
                    "stnId": np.full(hours, stn_id, dtype=np.int64),
                    "stnNm": pd.Series([name] * hours, dtype="str"),
                    "ta": ta,
                    "hm": hm,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def fill_like_t2(
    frame: pd.DataFrame, method: FillMethod = FillMethod.LINEAR
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A T2-shaped result: every missing value filled (by ``method``) and the method codes."""
    filled = frame.copy()
    methods = {}
    for column in ("ta", "hm"):
        missing = filled[column].isna().to_numpy()
        filled[column] = filled[column].fillna(filled[column].mean())
        methods[column] = np.where(missing, method, FillMethod.OBSERVED).astype(np.int8)
    return filled, methods
