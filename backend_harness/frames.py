"""Output frame builders for T3 (wind), T4 (PV) and T5 (ASOS).

They fix the output columns, their order and their dtypes in one place. The
python backend calls them with the arrays it computed, and the rust backend's
Python glue calls them with the arrays Rust returns, so both backends produce
frames with identical dtypes by construction.

Argument conventions (every column the same length):

* timestamps: int64 nanoseconds since 1970-01-01 of the naive KST wall-clock
  time, or any datetime64 array (converted to ``datetime64[ns]``);
* strings: a list, tuple or numpy array of ``str``; stored in pandas' default
  string dtype (``"str"``);
* integers: int64 arrays (``hogi`` becomes the nullable ``Int64``);
* floats: float64 arrays, NaN for missing.

The result has a fresh ``RangeIndex``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

WIND_COLUMNS: tuple[str, ...] = ("timestamp", "plant_code", "unit", "plant_name", "generation")
PV_COLUMNS: tuple[str, ...] = (
    "datetime",
    "gencd",
    "plant_name",
    "hogi",
    "generation",
    "daily_total",
    "daily_avg",
    "daily_max",
    "daily_min",
)
ASOS_KEY_COLUMNS: tuple[str, ...] = ("tm", "stnId", "stnNm")

NS = np.dtype("datetime64[ns]")


def timestamps(values: Any) -> np.ndarray:
    """``datetime64[ns]`` array from int64 ns since the epoch or any datetime64 array."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype(NS, copy=False)
    return np.asarray(arr, dtype=np.int64).view(NS)


def strings(values: Any) -> pd.api.extensions.ExtensionArray:
    """An array of pandas' default string dtype."""
    if isinstance(values, np.ndarray) and values.dtype.kind != "O":
        values = values.astype(object)
    array: pd.api.extensions.ExtensionArray = pd.array(values, dtype="str")
    return array


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
    lengths = {name: len(col) for name, col in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"frame columns differ in length: {lengths}")
    # Plain arrays, not Series: pandas then skips per-column index alignment,
    # which was most of the cost of a one-page frame (about 0.8 ms for 24 rows).
    return pd.DataFrame(columns, copy=False)


def wind_frame(
    timestamp_ns: Any,
    plant_code: Sequence[str] | np.ndarray,
    unit: Any,
    plant_name: Sequence[str] | np.ndarray,
    generation: Any,
) -> pd.DataFrame:
    """T3 output: timestamp, plant_code, unit (int64), plant_name, generation (float64)."""
    return _frame(
        {
            "timestamp": timestamps(timestamp_ns),
            "plant_code": strings(plant_code),
            "unit": np.asarray(unit, dtype=np.int64),
            "plant_name": strings(plant_name),
            "generation": np.asarray(generation, dtype=np.float64),
        }
    )


def pv_frame(
    datetime_ns: Any,
    gencd: Sequence[str] | np.ndarray,
    plant_name: Sequence[str] | np.ndarray,
    hogi: Any,
    generation: Any,
    daily_total: Any,
    daily_avg: Any,
    daily_max: Any,
    daily_min: Any,
) -> pd.DataFrame:
    """T4 output: datetime, gencd, plant_name, hogi (Int64), then five float64 columns."""
    return _frame(
        {
            "datetime": timestamps(datetime_ns),
            "gencd": strings(gencd),
            "plant_name": strings(plant_name),
            "hogi": pd.array(np.asarray(hogi, dtype=np.int64), dtype="Int64"),
            "generation": np.asarray(generation, dtype=np.float64),
            "daily_total": np.asarray(daily_total, dtype=np.float64),
            "daily_avg": np.asarray(daily_avg, dtype=np.float64),
            "daily_max": np.asarray(daily_max, dtype=np.float64),
            "daily_min": np.asarray(daily_min, dtype=np.float64),
        }
    )


def asos_frame(
    tm_ns: Any,
    stn_id: Any,
    stn_nm: Sequence[str] | np.ndarray,
    values: Mapping[str, Any],
) -> pd.DataFrame:
    """T5 output: tm, stnId (int64), stnNm, then each of ``values`` (in its order) as float64."""
    clash = [name for name in values if name in ASOS_KEY_COLUMNS]
    if clash:
        raise ValueError(f"value fields clash with the key columns: {clash}")
    columns: dict[str, Any] = {
        "tm": timestamps(tm_ns),
        "stnId": np.asarray(stn_id, dtype=np.int64),
        "stnNm": strings(stn_nm),
    }
    for name, col in values.items():
        columns[name] = np.asarray(col, dtype=np.float64)
    return _frame(columns)
