"""Wind loads: upsert on (plant_code, unit, timestamp), NaN as NULL, idempotent re-runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from storage import FrameError, Storage
from storage.schema import wind_generation_hourly
from tests.storage.frames import wind_frame

TABLE = "wind_generation_hourly"


def stored(db: Storage) -> pd.DataFrame:
    t = wind_generation_hourly
    with db.engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.plant_code, t.c.unit, t.c.timestamp)).all()
    return pd.DataFrame(rows, columns=[c.name for c in t.columns])


def test_rows_round_trip_with_nan_as_null(storage: Storage) -> None:
    frame = wind_frame()
    result = storage.load_wind(frame)
    assert (result.rows, result.duplicates, result.method) == (len(frame), 0, "executemany")
    back = stored(storage)
    assert back["plant_code"].tolist() == frame["plant_code"].tolist()
    assert back["unit"].tolist() == frame["unit"].tolist()
    assert back["plant_name"].tolist() == frame["plant_name"].tolist()
    assert pd.to_datetime(back["timestamp"]).tolist() == frame["timestamp"].tolist()
    t = wind_generation_hourly
    with storage.engine.connect() as conn:
        raw = conn.execute(
            select(t.c.generation).order_by(t.c.plant_code, t.c.unit, t.c.timestamp)
        ).scalars()
        generation = list(raw)
    assert frame["generation"].isna().sum() > 0
    assert generation == [None if math.isnan(v) else v for v in frame["generation"]]


def test_a_second_load_of_the_same_frame_leaves_the_same_database(storage: Storage) -> None:
    frame = wind_frame()
    storage.load_wind(frame)
    digest, counts = storage.table_digest(TABLE), storage.counts()
    storage.load_wind(frame)
    assert storage.table_digest(TABLE) == digest
    assert storage.counts() == counts


def test_new_values_replace_stored_ones_blanks_do_not_and_new_keys_are_added(
    storage: Storage,
) -> None:
    # Until the observation rule, the table then held exactly the revised frame,
    # blanks included: a blank answer erased stored values. Now a blank keeps the
    # stored value (storage.observations), everything else is the revised frame.
    first = wind_frame(hours=24)
    storage.load_wind(first)
    revised = wind_frame(hours=48, seed=7)
    result = storage.load_wind(revised)
    after_upsert = storage.table_digest(TABLE)

    old = revised.merge(
        first, on=["plant_code", "unit", "timestamp"], how="left", suffixes=("", "_old")
    )
    blank_over_value = (old["generation"].isna() & old["generation_old"].notna()).to_numpy()
    assert blank_over_value.any(), "the frames must exercise the blank-over-value case"
    expected = revised.assign(generation=old["generation"].fillna(old["generation_old"]).to_numpy())
    with storage.engine.begin() as conn:
        conn.execute(wind_generation_hourly.delete())
    storage.load_wind(expected)
    assert storage.table_digest(TABLE) == after_upsert
    assert len(stored(storage)) == len(revised)
    both = (old["generation"].notna() & old["generation_old"].notna()).to_numpy()
    assert (result.kept, result.revisions) == (int(blank_over_value.sum()), int(both.sum()))


def test_duplicate_keys_in_a_frame_keep_the_last_row(storage: Storage) -> None:
    frame = wind_frame(hours=3)
    later = frame.iloc[[0]].assign(generation=12345.0)
    result = storage.load_wind(pd.concat([frame, later], ignore_index=True))
    assert (result.rows, result.duplicates) == (len(frame), 1)
    back = stored(storage)
    assert back.loc[0, "generation"] == 12345.0


def test_timezone_aware_timestamps_are_stored_as_kst_wall_clock(storage: Storage) -> None:
    frame = wind_frame(hours=2)
    utc = frame.assign(
        timestamp=frame["timestamp"].dt.tz_localize("Asia/Seoul").dt.tz_convert("UTC")
    )
    storage.load_wind(utc)
    assert pd.to_datetime(stored(storage)["timestamp"]).tolist() == frame["timestamp"].tolist()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["plant_name"]), "missing column"),
        (lambda f: f.assign(timestamp=f["timestamp"].astype(str)), "must be datetime64"),
        (lambda f: f.assign(generation="lots"), "not numeric"),
        (lambda f: f.assign(unit=pd.array([None] * len(f), dtype="Int64")), "missing values"),
    ],
)
def test_malformed_frames_are_refused_before_writing(
    storage: Storage, change, message: str
) -> None:
    with pytest.raises(FrameError, match=message):
        storage.load_wind(change(wind_frame()))
    assert storage.counts()[TABLE] == 0


def test_an_empty_frame_writes_nothing(storage: Storage) -> None:
    assert storage.load_wind(wind_frame().iloc[:0]).rows == 0
    assert storage.counts()[TABLE] == 0


@pytest.mark.postgres
def test_copy_and_executemany_paths_store_the_same_rows(pg_url: URL) -> None:
    plants = [(f"{2000 + i}", u, f"plant {i} {u}") for i in range(3) for u in (1, 2)]
    first, second = wind_frame(plants, hours=500, seed=1), wind_frame(plants, hours=800, seed=2)
    digests = {}
    for threshold, method in ((0, "copy"), (10**9, "executemany")):
        with Storage.from_url(pg_url, copy_threshold=threshold) as db:
            db.create_schema()
            with db.engine.begin() as conn:
                conn.execute(wind_generation_hourly.delete())
            assert db.load_wind(first).method == method
            assert db.load_wind(second).method == method  # overlapping keys: the update path
            digests[method] = db.table_digest(TABLE)
            assert db.counts()[TABLE] == len(second)
    assert digests["copy"] == digests["executemany"]


@pytest.mark.postgres
def test_large_loads_use_copy_by_default_on_postgres(pg_url: URL) -> None:
    plants = [(f"{3000 + i}", 1, f"plant {i}") for i in range(10)]
    frame = wind_frame(plants, hours=24 * 60, seed=3)
    with Storage.from_url(pg_url) as db:
        db.create_schema()
        assert len(frame) >= db.copy_threshold
        result = db.load_wind(frame)
        assert (result.method, result.rows) == ("copy", len(frame))
        assert db.counts()[TABLE] == len(frame)
        assert np.isclose(_sum_generation(db), np.nansum(frame["generation"]))


def _sum_generation(db: Storage) -> float:
    with db.engine.connect() as conn:
        return float(conn.exec_driver_sql(f"SELECT sum(generation) FROM {TABLE}").scalar_one())


@pytest.mark.postgres
def test_awkward_text_and_floats_survive_the_copy_path_exactly(pg_url: URL) -> None:
    names = ["tab\there", "new\nline", "back\\slash", "cr\rx", "\\N", "따옴표 \"'", " 풍력 "]
    values = [0.1, 1 / 3, 1e-300, 1.7976931348623157e308, -0.0, 123456789.12345679, np.nan]
    frame = wind_frame([("9997", 1, "x")], hours=len(names))
    frame = frame.assign(
        plant_code=pd.Series([f"c{i}" for i in range(len(names))], dtype="str"),
        plant_name=pd.Series(names, dtype="str"),
        generation=values,
    )
    with Storage.from_url(pg_url, copy_threshold=0) as db:
        db.create_schema()
        assert db.load_wind(frame).method == "copy"
        back = stored(db)
    assert back["plant_name"].tolist() == names
    stored_values = back["generation"].tolist()
    assert stored_values[:-1] == values[:-1] and math.isnan(stored_values[-1])
    assert math.copysign(1.0, stored_values[4]) == -1.0  # PostgreSQL keeps the sign of zero


@pytest.mark.postgres
def test_the_staging_table_never_touches_a_real_table_of_the_same_name(pg_url: URL) -> None:
    with Storage.from_url(pg_url, copy_threshold=0) as db:
        db.create_schema()
        with db.engine.begin() as conn:
            conn.exec_driver_sql('CREATE TABLE public."_stage_wind_generation_hourly" (x integer)')
            conn.exec_driver_sql('INSERT INTO public."_stage_wind_generation_hourly" VALUES (7)')
        db.load_wind(wind_frame())
        db.load_wind(wind_frame(seed=1))
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql(
                'SELECT x FROM public."_stage_wind_generation_hourly"'
            ).all() == [(7,)]


def _unit_day(plant: str, unit: int, day: str, hours: int = 24) -> pd.DataFrame:
    start = pd.Timestamp(day)
    return pd.DataFrame(
        {
            "plant_code": plant,
            "unit": unit,
            "timestamp": [start + pd.Timedelta(hours=h) for h in range(hours)],
            "plant_name": f"영흥풍력 {unit}",
            "generation": [float(h) if h != 5 else np.nan for h in range(hours)],
        }
    )


def test_incomplete_days_are_empty_days_and_days_missing_a_unit_or_hours(storage: Storage) -> None:
    from datetime import date

    frame = pd.concat(
        [
            _unit_day("9997", 1, "2024-01-01"),
            _unit_day("9997", 2, "2024-01-01"),  # a NULL hour (05:00) still counts as sent
            _unit_day("9997", 1, "2024-01-02"),  # unit 2 absent that day
            _unit_day("9997", 1, "2024-01-03", hours=23),
            _unit_day("9997", 2, "2024-01-03"),
        ],
        ignore_index=True,
    )
    storage.load_wind(frame)
    got = storage.wind_incomplete_days(date(2024, 1, 1), date(2024, 1, 4))
    assert got == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]
    assert storage.wind_incomplete_days(date(2024, 1, 1), date(2024, 1, 1)) == []


def test_an_empty_table_has_every_day_incomplete(storage: Storage) -> None:
    from datetime import date

    assert storage.wind_incomplete_days(date(2024, 2, 27), date(2024, 3, 1)) == [
        date(2024, 2, 27),
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
    ]
