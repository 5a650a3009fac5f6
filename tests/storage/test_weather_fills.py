"""Weather context for imputation: incomplete station-days, observed reads, fill revisions.

Every test runs on SQLite and PostgreSQL (tests/storage/conftest.py).
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from foundations.fill_methods import FillMethod
from storage import FrameError, Storage, observed_methods
from storage.schema import weather_hourly
from storage.weather import REVISION_TOLERANCE
from tests.storage.frames import fill_like_t2, weather_frame

TABLE = "weather_hourly"


def stored(db: Storage) -> pd.DataFrame:
    w = weather_hourly
    with db.engine.connect() as conn:
        rows = conn.execute(select(w).order_by(w.c.station_id, w.c.tm)).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in w.columns])
    return frame.astype({"ta": "float64", "hm": "float64"})


def fills_frame(db: Storage) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The stored rows as writer input: values and the codes of their stored labels."""
    back = stored(db)
    codes = {method.label: int(method) for method in FillMethod}
    frame = back.rename(columns={"station_id": "stnId"})[["tm", "stnId", "ta", "hm"]]
    frame["tm"] = pd.to_datetime(frame["tm"])
    methods = {c: back[f"{c}_method"].map(codes).to_numpy(dtype=np.int8) for c in ("ta", "hm")}
    return frame, methods


# --------------------------------------------------------------------------- incomplete days


def test_incomplete_days_are_station_days_with_fewer_than_24_rows(storage: Storage) -> None:
    raw = weather_frame(hours=72)  # 2024-01-01 .. 01-03, stations 108 and 159
    keep = ~((raw["stnId"] == 159) & (raw["tm"] == pd.Timestamp("2024-01-02 07:00")))
    storage.load_weather(raw.loc[keep], observed_methods(raw.loc[keep]))

    found = storage.weather_incomplete_days([108, 159, 119], date(2024, 1, 1), date(2024, 1, 4))
    assert found == {
        108: [date(2024, 1, 4)],
        159: [date(2024, 1, 2), date(2024, 1, 4)],
        119: [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)],
    }
    # A row counts whatever its values: an all-unfilled hour is stored data.
    assert storage.weather_incomplete_days([108], date(2024, 1, 1), date(2024, 1, 3)) == {}
    assert storage.weather_incomplete_days([], date(2024, 1, 1), date(2024, 1, 3)) == {}
    with pytest.raises(ValueError, match="before"):
        storage.weather_incomplete_days([108], date(2024, 1, 3), date(2024, 1, 1))


# --------------------------------------------------------------------------- observed reads


def test_observed_read_keeps_every_row_with_fills_as_nan(storage: Storage) -> None:
    raw = weather_frame(hours=48)
    raw.loc[3, ["ta", "hm"]] = np.nan  # a row with nothing observed stays in the read
    storage.load_weather(*fill_like_t2(raw, FillMethod.SPLINE))

    back = storage.read_weather_observed([159, 108], "2024-01-01 00:00", "2024-01-03 00:00")
    assert list(back.columns) == ["tm", "stnId", "stnNm", "ta", "hm"]
    assert back.dtypes.astype(str).tolist() == [
        "datetime64[ns]",
        "int64",
        "str",
        "float64",
        "float64",
    ]
    expected = (
        raw[["tm", "stnId", "stnNm", "ta", "hm"]]
        .sort_values(["stnId", "tm"])
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(back, expected)


def test_observed_read_is_half_open_and_filters_stations(storage: Storage) -> None:
    raw = weather_frame(hours=48)
    storage.load_weather(raw, observed_methods(raw))
    back = storage.read_weather_observed(
        [108], pd.Timestamp("2024-01-01 10:00"), datetime(2024, 1, 1, 20)
    )
    assert back["stnId"].unique().tolist() == [108]
    assert (back["tm"].min(), back["tm"].max()) == (
        pd.Timestamp("2024-01-01 10:00"),
        pd.Timestamp("2024-01-01 19:00"),
    )
    empty = storage.read_weather_observed([], "2024-01-01", "2024-02-01")
    assert empty.empty and list(empty.columns) == ["tm", "stnId", "stnNm", "ta", "hm"]


# --------------------------------------------------------------------------- fill writes


def test_fill_writer_revises_fills_and_never_touches_observed_values(storage: Storage) -> None:
    raw = weather_frame(hours=24)
    storage.load_weather(*fill_like_t2(raw, FillMethod.LINEAR))
    before = stored(storage)
    frame, methods = fills_frame(storage)

    # Offer every row: fills become splines with new values; "observed" rows get a
    # different value *and* a fill label, which must not be written either.
    frame["ta"] = frame["ta"] + 1.0
    frame["hm"] = frame["hm"] + 1.0
    methods = {c: np.full(len(frame), FillMethod.SPLINE, dtype=np.int8) for c in ("ta", "hm")}
    result = storage.write_weather_fills(frame, methods)

    after = stored(storage)
    filled = {c: (before[f"{c}_method"] != "observed").to_numpy() for c in ("ta", "hm")}
    assert result.values == sum(int(m.sum()) for m in filled.values())
    assert result.rows == int((filled["ta"] | filled["hm"]).sum())
    assert result.methods == {c: {"spline": int(filled[c].sum())} for c in ("ta", "hm")}
    for c in ("ta", "hm"):
        np.testing.assert_array_equal(
            after[c].to_numpy()[~filled[c]], before[c].to_numpy()[~filled[c]]
        )
        assert (after[f"{c}_method"].to_numpy()[~filled[c]] == "observed").all()
        np.testing.assert_allclose(
            after[c].to_numpy()[filled[c]], before[c].to_numpy()[filled[c]] + 1.0
        )
        assert (after[f"{c}_method"].to_numpy()[filled[c]] == "spline").all()
    touched = filled["ta"] | filled["hm"]
    assert (after["loaded_at"].to_numpy()[touched] >= before["loaded_at"].max()).all()
    assert (
        after["loaded_at"].to_numpy()[~touched] == before["loaded_at"].to_numpy()[~touched]
    ).all()

    # The same fills again change nothing.
    again = storage.write_weather_fills(frame, methods)
    assert (again.rows, again.values) == (0, 0)


def test_fill_writer_skips_rounding_noise_and_rows_not_stored(storage: Storage) -> None:
    raw = weather_frame(stations=((108, "서울"),), hours=24)
    storage.load_weather(*fill_like_t2(raw, FillMethod.LINEAR))
    digest = storage.table_digest(TABLE)
    frame, methods = fills_frame(storage)

    noisy = frame.copy()
    noisy["ta"] = noisy["ta"] * (1 + REVISION_TOLERANCE / 4)
    assert storage.write_weather_fills(noisy, methods).rows == 0

    elsewhere = frame.assign(stnId=119)  # never stored: the writer revises, it does not insert
    assert storage.write_weather_fills(elsewhere, methods).rows == 0
    assert storage.table_digest(TABLE) == digest
    assert storage.counts()[TABLE] == len(raw)


def test_fill_writer_refuses_inconsistent_input_and_writes_nothing(storage: Storage) -> None:
    raw = weather_frame(hours=24)
    storage.load_weather(*fill_like_t2(raw, FillMethod.LINEAR))
    digest = storage.table_digest(TABLE)
    frame, methods = fills_frame(storage)
    frame.loc[frame.index[0], "ta"] = np.nan  # NaN must be labelled unfilled
    with pytest.raises(FrameError, match="disagree"):
        storage.write_weather_fills(frame, methods)
    with pytest.raises(FrameError, match="duplicate"):
        doubled = pd.concat([frame.iloc[1:], frame.iloc[1:2]], ignore_index=True)
        storage.write_weather_fills(
            doubled, {c: np.concatenate([m[1:], m[1:2]]) for c, m in methods.items()}
        )
    assert storage.table_digest(TABLE) == digest


def test_load_and_revision_share_one_transaction(storage: Storage) -> None:
    day1 = weather_frame(hours=24)
    storage.load_weather(*fill_like_t2(day1, FillMethod.EDGE))
    digest = storage.table_digest(TABLE)
    day2 = weather_frame(start="2024-01-02", hours=24, seed=1)
    filled2, methods2 = fill_like_t2(day2, FillMethod.SPLINE)
    revise, revise_methods = fills_frame(storage)
    revise_methods = {
        c: np.where(m == FillMethod.OBSERVED, m, FillMethod.SPLINE)
        for c, m in revise_methods.items()
    }

    bad = revise.copy()
    bad.loc[bad.index[0], "hm"] = np.nan
    with pytest.raises(FrameError):
        storage.load_weather_run(filled2, methods2, bad, revise_methods)
    # The failed revision rolled the load back with it.
    assert storage.table_digest(TABLE) == digest

    loaded, revised = storage.load_weather_run(filled2, methods2, revise, revise_methods)
    assert loaded.rows == len(day2)
    edge = {c: int((stored(storage)[f"{c}_method"] == "edge").sum()) for c in ("ta", "hm")}
    assert edge == {"ta": 0, "hm": 0}
    assert revised.rows > 0 and storage.counts()[TABLE] == len(day1) + len(day2)
