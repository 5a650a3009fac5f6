"""Seeded synthetic ASOS-like hourly data with gaps, for benchmarks and fixtures.

The shape mirrors T5's output (the input of T2 in the weather flow): ``tm``
datetime64[ns] (KST, hourly), ``stnNm`` str, and value columns (``ta``
temperature in deg C, ``hm`` relative humidity in %) with NaN gaps.

Gaps are placed per station and column: gap lengths are drawn uniformly from
``gap_lengths`` and starts uniformly over the series until ``missing_ratio``
of the rows are covered (gaps may touch or overlap, which merges them, so the
realised ratio and lengths are reported by :func:`describe`, not assumed).

Usage::

    from benchmarks.generator import GeneratorSpec, generate, spec_for_rows
    frame = generate(spec_for_rows(10_000))            # 3 stations x 3334 hours
    frame = generate(GeneratorSpec(stations=100, hours=10_000, missing_ratio=0.1))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

#: Real ASOS station names first, then numbered ones for larger station counts.
STATION_NAMES = (
    "서울", "부산", "대관령", "속초", "강릉", "인천", "수원", "청주", "대전", "대구",
    "전주", "광주", "목포", "여수", "울산", "창원", "제주", "서귀포", "춘천", "원주",
)  # fmt: skip


@dataclass(frozen=True)
class GeneratorSpec:
    """What to generate. ``hours`` is per station; rows = stations x hours."""

    stations: int = 3
    hours: int = 3334
    missing_ratio: float = 0.06
    #: Gap lengths drawn uniformly; with the default ``max_spline_gap`` of 3,
    #: lengths 1-3 are spline/edge gaps and 4+ go to the climatology rule.
    gap_lengths: tuple[int, ...] = (1, 2, 3, 4, 8, 12)
    columns: tuple[str, ...] = ("ta", "hm")
    start: str = "2023-01-01 00:00"
    seed: int = 0
    #: Shuffle the rows (the default is station-major, time-ascending, as the
    #: portal returns them and the legacy code expected).
    shuffle: bool = False

    @property
    def rows(self) -> int:
        return self.stations * self.hours


def spec_for_rows(rows: int, **overrides: object) -> GeneratorSpec:
    """A spec of about ``rows`` rows: 3 stations up to 30k rows, then ~10k hours per station.

    10k rows gives 3 stations x 3334 hours (the legacy benchmark's shape);
    1M rows gives 100 stations x 10,000 hours (about 14 months each).
    """
    stations = max(3, rows // 10_000)
    hours = math.ceil(rows / stations)
    return replace(GeneratorSpec(stations=stations, hours=hours), **overrides)  # type: ignore[arg-type]


def station_names(count: int) -> list[str]:
    named = list(STATION_NAMES[:count])
    return named + [f"관측소{k:04d}" for k in range(len(named), count)]


def _series(
    rng: np.random.Generator, column: str, times: pd.DatetimeIndex, shift: float
) -> np.ndarray:
    """A plausible seasonal + diurnal series with noise."""
    day_of_year = times.day_of_year.to_numpy()
    hour = times.hour.to_numpy()
    season = np.sin(2 * np.pi * (day_of_year - 110) / 365.25)
    daily = np.sin(2 * np.pi * (hour - 9) / 24)
    noise = rng.normal(0.0, 1.0, len(times))
    if column == "hm":
        return np.clip(65 + 15 * season - 12 * daily + 5 * noise + shift, 5, 100)
    return 12 + 14 * season + 4 * daily + noise + shift


def _gap_mask(rng: np.random.Generator, n: int, spec: GeneratorSpec) -> np.ndarray:
    target = round(spec.missing_ratio * n)
    mask = np.zeros(n, dtype=bool)
    if target == 0 or n == 0:
        return mask
    mean_length = float(np.mean(spec.gap_lengths))
    # Draw in batches until the target is covered; overlaps make the first
    # batch fall short, a second one usually finishes the job.
    covered = 0
    while covered < target:
        k = max(1, int((target - covered) / mean_length))
        lengths = rng.choice(spec.gap_lengths, size=k)
        starts = rng.integers(0, n, size=k)
        for start, length in zip(starts, lengths, strict=True):
            if covered >= target:
                break
            covered += int(np.count_nonzero(~mask[start : start + length]))
            mask[start : start + length] = True
    return mask


def generate(spec: GeneratorSpec) -> pd.DataFrame:
    """The frame for ``spec``: ``tm``, ``stnNm`` and ``spec.columns``; same seed, same frame."""
    rng = np.random.default_rng(spec.seed)
    times = pd.date_range(spec.start, periods=spec.hours, freq="h")
    names = station_names(spec.stations)
    data: dict[str, object] = {
        "tm": np.tile(times.to_numpy(dtype="datetime64[ns]"), spec.stations),
        "stnNm": pd.array(np.repeat(np.array(names, dtype=object), spec.hours), dtype="str"),
    }
    for column in spec.columns:
        parts = []
        for _ in names:
            values = _series(rng, column, times, shift=rng.normal(0, 3))
            values[_gap_mask(rng, spec.hours, spec)] = np.nan
            parts.append(values)
        data[column] = np.concatenate(parts) if parts else np.zeros(0)
    frame = pd.DataFrame(data)
    if spec.shuffle:
        frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    return frame


def describe(frame: pd.DataFrame, columns: tuple[str, ...] = ("ta", "hm")) -> dict[str, float]:
    """Realised rows, stations and missing ratio per column (for reports)."""
    out: dict[str, float] = {"rows": len(frame), "stations": frame["stnNm"].nunique()}
    for column in columns:
        out[f"missing_{column}"] = float(frame[column].isna().mean()) if len(frame) else 0.0
    return out
