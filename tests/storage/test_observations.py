"""Stored observations are never overwritten by absence; revisions are recorded and reversible.

The storage-level reproductions of the probe that found the old loaders
replacing stored observations: after a clean load, answers with empty values
replaced weather ``ta`` observations by ``station_mean`` fills, and set every
wind and PV ``generation`` to NULL. Every test runs on SQLite and PostgreSQL
(tests/storage/conftest.py); the COPY path has its own PostgreSQL tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from foundations.fill_methods import FillMethod
from storage import Storage, StorageError, observed_methods
from storage.observations import OBSERVATION_TOLERANCE, Revision
from storage.schema import pv_generation_hourly, weather_hourly, wind_generation_hourly
from tests.storage.frames import fill_like_t2, pv_frame, weather_frame, wind_frame

WEATHER, WIND, PV = weather_hourly.name, wind_generation_hourly.name, pv_generation_hourly.name
PV_VALUES = ["generation", "daily_total", "daily_avg", "daily_max", "daily_min"]


def stored_weather(db: Storage) -> pd.DataFrame:
    w = weather_hourly
    with db.engine.connect() as conn:
        rows = conn.execute(select(w).order_by(w.c.station_id, w.c.tm)).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in w.columns]).astype(
        {"ta": "float64", "hm": "float64"}
    )
    frame["tm"] = pd.to_datetime(frame["tm"])
    return frame


def stored_table(db: Storage, table) -> pd.DataFrame:
    keys = list(table.primary_key.columns)
    with db.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(*keys)).all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


def blanked(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The same keys, every value in ``columns`` blank: what the probe's empty answers parse to."""
    return frame.assign(**dict.fromkeys(columns, np.nan))


def no_fills() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    empty = pd.DataFrame(
        {
            "tm": pd.Series([], dtype="datetime64[ns]"),
            "stnId": pd.Series([], dtype="int64"),
            "ta": [],
            "hm": [],
        }
    )
    return empty, {c: np.array([], dtype=np.int8) for c in ("ta", "hm")}


def summary(revisions: list[Revision]) -> list[tuple]:
    """Engine- and path-independent content of revisions (no ids, no times)."""
    return sorted(
        (r.table_name, tuple(sorted(r.key.items())), r.column, r.old_value, r.new_value, r.run_id)
        for r in revisions
    )


# --------------------------------------------------------------------------- weather


def test_weather_observations_survive_a_blank_reload(storage: Storage) -> None:
    raw = weather_frame(hours=48)
    storage.load_weather(raw, observed_methods(raw))
    digest = storage.table_digest(WEATHER)
    observed = int(raw["ta"].notna().sum() + raw["hm"].notna().sum())

    blank = blanked(raw, ["ta", "hm"])
    result = storage.load_weather(blank, observed_methods(blank))
    assert storage.table_digest(WEATHER) == digest
    assert (result.kept, result.revisions) == (observed, 0)
    # The weather flow's path (load + fill revision in one transaction) as well.
    storage.load_weather_run(blank, observed_methods(blank), *no_fills())
    assert storage.table_digest(WEATHER) == digest
    assert storage.observation_revisions() == []


def test_weather_observations_are_not_replaced_by_fills_of_a_later_answer(storage: Storage) -> None:
    # The probe: 96 of 192 observed ta values became station_mean fills.
    raw = weather_frame(hours=96, stations=((108, "서울"), (159, "부산")))
    storage.load_weather(*fill_like_t2(raw, FillMethod.SPLINE))
    before = stored_weather(storage)
    digest = storage.table_digest(WEATHER)

    # Everything blank in the new answer, so T2 fills every value with a station mean.
    means = raw.groupby("stnId")[["ta", "hm"]].transform("mean")
    refilled = raw.assign(ta=means["ta"], hm=means["hm"])
    methods = {c: np.full(len(raw), FillMethod.STATION_MEAN, dtype=np.int8) for c in ("ta", "hm")}
    loaded, _ = storage.load_weather_run(refilled, methods, *no_fills())

    after = stored_weather(storage)
    for column in ("ta", "hm"):
        was_observed = (before[f"{column}_method"] == "observed").to_numpy()
        assert (after[f"{column}_method"].to_numpy()[was_observed] == "observed").all()
        np.testing.assert_array_equal(
            after[column].to_numpy()[was_observed], before[column].to_numpy()[was_observed]
        )
        # The stored fills are fills: they do take the new ones.
        assert (after[f"{column}_method"].to_numpy()[~was_observed] == "station_mean").all()
    assert loaded.kept == int(
        (before["ta_method"] == "observed").sum() + (before["hm_method"] == "observed").sum()
    )
    assert storage.table_digest(WEATHER) != digest  # only because the fills moved
    storage.load_weather(*fill_like_t2(raw, FillMethod.SPLINE))
    assert storage.table_digest(WEATHER) == digest


def test_a_changed_weather_observation_is_applied_and_recorded_per_column(storage: Storage) -> None:
    raw = weather_frame(stations=((108, "서울"),), hours=24)
    storage.load_weather(raw, observed_methods(raw), run_id="first")
    row = int(np.flatnonzero(raw["ta"].notna() & raw["hm"].notna())[0])
    answer = raw.copy()
    answer.loc[row, "ta"] = np.nan  # blank: kept
    answer.loc[row, "hm"] = raw.loc[row, "hm"] + 2.5  # revised by the portal: applied
    before = datetime.now(UTC)

    result = storage.load_weather(answer, observed_methods(answer), run_id="run-2")

    assert (result.revisions, result.kept) == (1, 1)
    back = stored_weather(storage).iloc[row]
    assert (back["ta"], back["ta_method"]) == (raw.loc[row, "ta"], "observed")
    assert (back["hm"], back["hm_method"]) == (raw.loc[row, "hm"] + 2.5, "observed")
    (revision,) = storage.observation_revisions()
    assert revision.table_name == WEATHER
    assert revision.key == {"station_id": 108, "tm": raw.loc[row, "tm"].isoformat()}
    assert (revision.column, revision.old_value, revision.new_value) == (
        "hm",
        raw.loc[row, "hm"],
        raw.loc[row, "hm"] + 2.5,
    )
    assert revision.run_id == "run-2" and revision.reverts is None
    assert revision.changed_at.tzinfo is not None and revision.changed_at >= before.replace(
        microsecond=0
    )


def test_a_fill_gives_way_to_an_observation_without_a_revision(storage: Storage) -> None:
    raw = weather_frame(hours=24)
    storage.load_weather(*fill_like_t2(raw, FillMethod.LINEAR))
    late = raw.assign(
        ta=raw["ta"].fillna(-7.25), hm=raw["hm"].fillna(55.5)
    )  # the portal filled its gaps

    result = storage.load_weather(late, observed_methods(late))

    after = stored_weather(storage)
    assert (after["ta_method"] == "observed").all() and (after["hm_method"] == "observed").all()
    np.testing.assert_array_equal(
        after["ta"].to_numpy(), late.sort_values(["stnId", "tm"])["ta"].to_numpy()
    )
    assert result.revisions == 0 and storage.observation_revisions() == []


def test_float_noise_is_not_a_revision(storage: Storage) -> None:
    raw = weather_frame(hours=24)
    storage.load_weather(raw, observed_methods(raw))
    digest = storage.table_digest(WEATHER)
    noisy = raw.assign(ta=raw["ta"] * (1 + OBSERVATION_TOLERANCE / 10))
    assert storage.load_weather(noisy, observed_methods(noisy)).revisions == 0
    assert storage.table_digest(WEATHER) == digest


# --------------------------------------------------------------------------- wind


def test_wind_generation_survives_a_blank_reload(storage: Storage) -> None:
    frame = wind_frame(hours=24 * 31)  # a month, as the probe's backfill
    storage.load_wind(frame)
    digest = storage.table_digest(WIND)

    result = storage.load_wind(blanked(frame, ["generation"]))
    assert storage.table_digest(WIND) == digest
    assert (result.kept, result.revisions) == (int(frame["generation"].notna().sum()), 0)
    assert storage.observation_revisions() == []


def test_a_changed_wind_value_is_applied_recorded_and_reverted(storage: Storage) -> None:
    frame = wind_frame(hours=24, nan_fraction=0.0)
    storage.load_wind(frame)
    digest = storage.table_digest(WIND)
    revised = frame.copy()
    revised.loc[[3, 30], "generation"] = [111.0, 2222.0]
    noisy = revised.assign(generation=revised["generation"] * (1 + OBSERVATION_TOLERANCE / 10))

    assert storage.load_wind(revised, run_id="portal-fix").revisions == 2
    assert (
        storage.load_wind(noisy).revisions == 0
    )  # within the noise: nothing changes, nothing recorded

    back = stored_table(storage, wind_generation_hourly)
    assert back.loc[[3, 30], "generation"].tolist() == [111.0, 2222.0]
    revisions = storage.observation_revisions(WIND, run_id="portal-fix")
    assert [(r.column, r.old_value, r.new_value) for r in revisions] == [
        ("generation", frame.loc[3, "generation"], 111.0),
        ("generation", frame.loc[30, "generation"], 2222.0),
    ]
    assert revisions[1].key == {"plant_code": "9997", "unit": 2, "timestamp": "2024-03-01T06:00:00"}

    reverts = storage.revert_revisions([r.revision_id for r in revisions], run_id="operator")
    assert storage.table_digest(WIND) == digest
    assert sorted(r.reverts for r in reverts) == [r.revision_id for r in revisions]
    assert all(r.run_id == "operator" for r in reverts)
    assert len(storage.observation_revisions(WIND)) == 4


def test_a_superseded_or_unknown_revision_is_not_reverted(storage: Storage) -> None:
    frame = wind_frame(hours=3, nan_fraction=0.0)
    storage.load_wind(frame)
    storage.load_wind(frame.assign(generation=frame["generation"] + 1.0))
    storage.load_wind(frame.assign(generation=frame["generation"] + 2.0))
    first, second = storage.observation_revisions()[0], storage.observation_revisions()[len(frame)]
    digest = storage.table_digest(WIND)
    with pytest.raises(
        StorageError, match=f"revision {first.revision_id}: .* not the revision's new value"
    ):
        storage.revert_revisions([first.revision_id])
    with pytest.raises(StorageError, match="no observation revision with id"):
        storage.revert_revisions([10**9])
    assert storage.table_digest(WIND) == digest
    # Newest first: the later revision is undone before the earlier one is checked.
    storage.revert_revisions([second.revision_id, first.revision_id])
    assert (
        stored_table(storage, wind_generation_hourly).loc[0, "generation"]
        == frame.loc[0, "generation"]
    )


# --------------------------------------------------------------------------- PV


def test_pv_values_survive_a_blank_reload(storage: Storage) -> None:
    frame = pv_frame(days=["2024-05-01", "2024-05-02"])
    storage.replace_pv_days(frame)
    digest = storage.table_digest(PV)

    result = storage.replace_pv_days(blanked(frame, PV_VALUES))
    assert storage.table_digest(PV) == digest
    assert (result.kept, result.revisions, len(result.days)) == (len(frame) * len(PV_VALUES), 0, 4)
    assert storage.observation_revisions() == []


def test_pv_hours_missing_from_a_later_answer_are_kept(storage: Storage) -> None:
    frame = pv_frame(units=[("5707", 1)], days=["2024-05-01"])
    storage.replace_pv_days(frame)
    digest = storage.table_digest(PV)
    partial = frame.iloc[6:18]  # the same values, hours 6-17 only
    storage.replace_pv_days(partial)
    assert storage.table_digest(PV) == digest
    assert storage.counts()[PV] == 24


def test_a_changed_pv_hour_is_applied_and_recorded_and_the_day_stays_whole(
    storage: Storage,
) -> None:
    frame = pv_frame(units=[("5707", 1)], days=["2024-05-01"])
    storage.replace_pv_days(frame)
    answer = frame.iloc[10:14].copy()  # an answer with 4 hours, one of them revised
    answer.loc[answer.index[1], "generation"] = 123.5
    answer["daily_total"] = frame["daily_total"].iloc[0] + 100.0  # and a revised daily total

    result = storage.replace_pv_days(answer, run_id="pv-2")

    back = stored_table(storage, pv_generation_hourly)
    expected = frame["generation"].to_numpy().copy()
    expected[11] = 123.5
    np.testing.assert_array_equal(back["generation"].to_numpy(dtype=float), expected)
    # The day's total is the day's: all 24 rows carry the new one, not only the 4 answered.
    assert (
        back["daily_total"].nunique() == 1
        and back["daily_total"].iloc[0] == answer["daily_total"].iloc[0]
    )
    assert result.revisions == 1 + 24
    revisions = storage.observation_revisions(PV, run_id="pv-2")
    generation = [r for r in revisions if r.column == "generation"]
    assert [(r.key["datetime"], r.old_value, r.new_value) for r in generation] == [
        ("2024-05-01T11:00:00", frame.loc[11, "generation"], 123.5)
    ]
    assert sorted(r.key["datetime"] for r in revisions if r.column == "daily_total") == [
        f"2024-05-01T{h:02d}:00:00" for h in range(24)
    ]


def test_the_days_total_reaches_every_hour_even_where_the_answer_is_blank(storage: Storage) -> None:
    storage.replace_pv_days(
        pv_frame(units=[("5707", 1)], days=["2024-05-01"], hours=range(12))
    )  # 0-11
    answer = pv_frame(
        units=[("5707", 1)], days=["2024-05-01"], hours=range(6, 18)
    )  # 6-11 again, 12-17 new
    answer = answer.assign(generation=np.nan, daily_avg=np.nan, daily_max=np.nan, daily_min=np.nan)
    answer["daily_total"] = [5000.0] * 3 + [np.nan] * 9  # given on 3 rows only

    result = storage.replace_pv_days(answer)

    back = stored_table(storage, pv_generation_hourly)
    assert len(back) == 18
    assert (back["daily_total"] == 5000.0).all()  # stored, re-answered blank, and new hours alike
    assert back["generation"].iloc[:12].notna().all() and back["generation"].iloc[12:].isna().all()
    assert back["daily_avg"].iloc[:12].notna().all()
    # 12 stored totals revised; the answered hours 6-11 kept generation and 3 daily values.
    assert (result.revisions, result.kept) == (12, 6 * 4)


def test_pv_revisions_of_a_run_can_be_reverted_whole(storage: Storage) -> None:
    storage.replace_pv_days(pv_frame(seed=1))
    digest = storage.table_digest(PV)
    storage.replace_pv_days(pv_frame(seed=2, scale=2.0), run_id="bad-answer")
    assert storage.table_digest(PV) != digest
    storage.revert_revisions(
        [r.revision_id for r in storage.observation_revisions(run_id="bad-answer")]
    )
    assert storage.table_digest(PV) == digest


# --------------------------------------------------------------------------- the COPY path


@pytest.mark.postgres
def test_copy_path_follows_the_same_rule(pg_url: URL) -> None:
    weather = weather_frame(hours=24 * 10, seed=3)
    wind = wind_frame(hours=24 * 10, seed=3)
    pv = pv_frame(days=[f"2024-05-{d:02d}" for d in range(1, 6)], seed=3)

    def changed(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        # Every 7th value revised, every 5th blank: both rules in one answer.
        out = frame.copy()
        out.loc[out.index[::7], column] = out.loc[out.index[::7], column] + 1.0
        out.loc[out.index[::5], column] = np.nan
        return out

    outcomes = {}
    for threshold, method in ((0, "copy"), (10**9, "executemany")):
        with Storage.from_url(pg_url, copy_threshold=threshold) as db:
            db.create_schema()
            with db.engine.begin() as conn:
                for table in (weather_hourly, wind_generation_hourly, pv_generation_hourly):
                    conn.execute(table.delete())
                conn.exec_driver_sql("DELETE FROM observation_revisions")
            db.load_weather(weather, observed_methods(weather))
            db.load_wind(wind)
            db.replace_pv_days(pv)
            again = changed(weather, "ta")
            assert db.load_weather(again, observed_methods(again)).method == method
            assert db.load_wind(changed(wind, "generation")).method == method
            assert db.replace_pv_days(changed(pv, "generation")).method == method
            outcomes[method] = (
                {t: db.table_digest(t) for t in (WEATHER, WIND, PV)},
                summary(db.observation_revisions()),
            )
    assert outcomes["copy"] == outcomes["executemany"]
    assert len(outcomes["copy"][1]) > 0
