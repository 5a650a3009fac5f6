"""Weather: loading with per-value provenance; history reads observations only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from foundations.fill_methods import FillMethod
from registry import ImputeOptions, Registry, Settings
from registry.discovery import Backends
from storage import FrameError, Storage, observed_methods
from storage.schema import weather_hourly
from tests.storage.frames import fill_like_t2, weather_frame

TABLE = "weather_hourly"


def stored(db: Storage) -> pd.DataFrame:
    w = weather_hourly
    with db.engine.connect() as conn:
        rows = conn.execute(select(w).order_by(w.c.station_id, w.c.tm)).all()
    return pd.DataFrame(rows, columns=[c.name for c in w.columns])


def test_values_are_stored_with_their_method_labels(storage: Storage) -> None:
    raw = weather_frame()
    filled, methods = fill_like_t2(raw, FillMethod.CLIMATOLOGY)
    result = storage.load_weather(filled, methods)
    assert (result.rows, result.duplicates) == (len(raw), 0)
    back = stored(storage)
    assert back["ta_method"].tolist() == [
        "climatology" if m else "observed" for m in raw["ta"].isna()
    ]
    assert back["hm_method"].tolist() == [
        "climatology" if m else "observed" for m in raw["hm"].isna()
    ]
    np.testing.assert_allclose(back["ta"].to_numpy(dtype=float), filled["ta"].to_numpy())
    assert back["station_name"].tolist() == raw["stnNm"].tolist()
    assert back["loaded_at"].notna().all()


def test_history_returns_observed_values_only_in_t2_input_shape(storage: Storage) -> None:
    raw = weather_frame(hours=48)
    storage.load_weather(*fill_like_t2(raw))
    history = storage.read_weather_history(["서울", 159], "2024-01-01 00:00", "2024-01-03 00:00")
    assert list(history.columns) == ["tm", "stnNm", "ta", "hm"]
    assert history.dtypes.astype(str).tolist() == ["datetime64[ns]", "str", "float64", "float64"]
    # Fills are NaN again; rows with neither value observed are left out.
    expected = raw.loc[
        raw["ta"].notna() | raw["hm"].notna(), ["tm", "stnNm", "ta", "hm"]
    ].reset_index(drop=True)
    pd.testing.assert_frame_equal(history, expected)


def test_history_range_is_half_open_and_filters_stations(storage: Storage) -> None:
    raw = weather_frame(hours=48)
    storage.load_weather(raw, observed_methods(raw))
    history = storage.read_weather_history(
        [108], pd.Timestamp("2024-01-01 10:00"), "2024-01-01 20:00"
    )
    assert history["stnNm"].unique().tolist() == ["서울"]
    assert history["tm"].min() >= pd.Timestamp("2024-01-01 10:00")
    assert history["tm"].max() < pd.Timestamp("2024-01-01 20:00")
    assert storage.read_weather_history([], "2024-01-01", "2024-02-01").empty
    empty = storage.read_weather_history(["없는역"], "2024-01-01", "2024-02-01")
    assert empty.empty and empty.dtypes.astype(str).tolist() == [
        "datetime64[ns]",
        "str",
        "float64",
        "float64",
    ]


def test_a_reload_updates_values_and_provenance(storage: Storage) -> None:
    raw = weather_frame()
    storage.load_weather(*fill_like_t2(raw, FillMethod.LINEAR))
    first_loaded_at = stored(storage)["loaded_at"].max()
    storage.load_weather(*fill_like_t2(raw, FillMethod.SPLINE))
    back = stored(storage)
    assert set(back["ta_method"]) == {"observed", "spline"}
    assert back["loaded_at"].min() >= first_loaded_at
    assert len(back) == len(raw)


def test_same_data_twice_gives_the_same_digest(storage: Storage) -> None:
    filled, methods = fill_like_t2(weather_frame())
    storage.load_weather(filled, methods)
    digest = storage.table_digest(TABLE)
    storage.load_weather(filled, methods)  # only loaded_at changes, which the digest leaves out
    assert storage.table_digest(TABLE) == digest


@pytest.mark.parametrize(
    ("methods", "message"),
    [
        (lambda m: {"ta": m["ta"]}, "no method codes"),
        (lambda m: {**m, "ta": m["ta"][:-1]}, "one code per row"),
        (lambda m: {**m, "ta": np.full_like(m["ta"], 42)}, "not FillMethod codes"),
        (lambda m: {**m, "ta": np.zeros_like(m["ta"])}, "disagree"),  # NaN values labelled observed
    ],
)
def test_inconsistent_methods_are_refused_before_writing(
    storage: Storage, methods, message: str
) -> None:
    raw = weather_frame()
    with pytest.raises(FrameError, match=message):
        storage.load_weather(raw, methods(observed_methods(raw)))
    assert storage.counts()[TABLE] == 0


def test_observed_methods_marks_missing_values_unfilled() -> None:
    raw = weather_frame()
    methods = observed_methods(raw)
    assert methods["ta"].dtype == np.int8
    assert (methods["ta"] == FillMethod.UNFILLED).tolist() == raw["ta"].isna().tolist()


def test_timezone_aware_times_are_stored_as_kst(storage: Storage) -> None:
    raw = weather_frame(hours=3)
    utc = raw.assign(tm=raw["tm"].dt.tz_localize("Asia/Seoul").dt.tz_convert("UTC"))
    storage.load_weather(utc, observed_methods(utc))
    assert pd.to_datetime(stored(storage)["tm"]).tolist() == raw["tm"].tolist()


def test_real_t2_output_round_trips_without_fills_becoming_evidence(
    storage: Storage, raise_settings: Settings, discovered_backends: Backends
) -> None:
    """The weather flow's loop: T2 with methods -> load -> history -> T2 again."""
    registry = Registry(raise_settings, discovered_backends, environ={})
    raw = weather_frame(hours=24 * 5, seed=4)
    raw.loc[10:17, "ta"] = np.nan  # a long gap: climatology
    options = ImputeOptions(with_methods=True)
    out = registry.call("impute_missing_values", raw, options, None, backend="python").value
    storage.load_weather(out.frame, out.methods)
    back = stored(storage)
    assert set(back["ta_method"]) - {"observed"}, "T2 filled something"
    history = storage.read_weather_history(["서울", "부산"], "2024-01-01", "2024-01-06")
    observed = raw.loc[raw["ta"].notna(), "ta"].to_numpy()
    np.testing.assert_array_equal(np.sort(history["ta"].dropna().to_numpy()), np.sort(observed))
    again = registry.call("impute_missing_values", raw, options, history, backend="python").value
    assert len(again.frame) == len(raw)


@pytest.mark.postgres
def test_copy_path_stores_the_same_weather(pg_url: URL) -> None:
    filled, methods = fill_like_t2(weather_frame(hours=24 * 30, seed=5))
    digests = {}
    for threshold, method in ((0, "copy"), (10**9, "executemany")):
        with Storage.from_url(pg_url, copy_threshold=threshold) as db:
            db.create_schema()
            with db.engine.begin() as conn:
                conn.execute(weather_hourly.delete())
            assert db.load_weather(filled, methods).method == method
            digests[method] = db.table_digest(TABLE)
    assert digests["copy"] == digests["executemany"]
