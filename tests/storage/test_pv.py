"""PV: per-day merges (one transaction per day), idempotent re-runs, and the backfill's incomplete days."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import URL

from storage import FrameError, Storage
from storage.schema import pv_generation_hourly
from tests.storage.frames import pv_frame

TABLE = "pv_generation_hourly"


def stored_day(db: Storage, gencd: str, hogi: int, day: str) -> pd.DataFrame:
    t = pv_generation_hourly
    start = pd.Timestamp(day).to_pydatetime()
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).to_pydatetime()
    query = (
        select(t.c.datetime, t.c.generation, t.c.daily_total)
        .where(t.c.gencd == gencd, t.c.hogi == hogi, t.c.datetime >= start, t.c.datetime < end)
        .order_by(t.c.datetime)
    )
    with db.engine.connect() as conn:
        return pd.DataFrame(
            conn.execute(query).all(), columns=["datetime", "generation", "daily_total"]
        )


def test_days_are_merged_per_hour(storage: Storage) -> None:
    # Days used to be replaced whole: the 4 hours missing from the revised answer were
    # deleted. Under the observation rule an absent hour is not evidence, so they stay;
    # the 20 answered hours and the day's daily values are the revised answer's.
    storage.replace_pv_days(pv_frame())
    before = stored_day(storage, "5707", 1, "2024-05-02")
    other_before = stored_day(storage, "8760", 1, "2024-05-02")
    revised = pv_frame(
        units=[("5707", 1)], days=["2024-05-02"], hours=range(2, 22), seed=9, scale=2.0
    )
    result = storage.replace_pv_days(revised)
    assert result.days == (("5707", 1, date(2024, 5, 2)),)
    assert result.rows == 20
    day = stored_day(storage, "5707", 1, "2024-05-02")
    assert (
        pd.to_datetime(day["datetime"]).tolist() == pd.to_datetime(before["datetime"]).tolist()
    )  # all 24
    expected = before["generation"].to_numpy(dtype=float).copy()
    expected[2:22] = revised["generation"].to_numpy()
    np.testing.assert_array_equal(day["generation"].to_numpy(dtype=float), expected)
    assert (day["daily_total"] == revised["daily_total"].iloc[0]).all()  # also on the 4 kept hours
    # Every answered hour and every row's daily_* changed: 20 + 4 * 24 revisions.
    assert result.revisions == 20 + 4 * 24
    pd.testing.assert_frame_equal(stored_day(storage, "8760", 1, "2024-05-02"), other_before)
    assert len(stored_day(storage, "5707", 1, "2024-05-01")) == 24
    assert storage.counts()[TABLE] == 24 * 4


def test_a_rerun_leaves_the_same_database(storage: Storage) -> None:
    frame = pv_frame(days=["2024-05-01", "2024-05-02", "2024-05-03"])
    first = storage.replace_pv_days(frame)
    assert len(first.days) == 6 and first.rows == len(frame)
    digest = storage.table_digest(TABLE)
    storage.replace_pv_days(frame)
    assert storage.table_digest(TABLE) == digest
    assert storage.counts()[TABLE] == len(frame)


def test_missing_hourly_values_are_stored_as_null(storage: Storage) -> None:
    frame = pv_frame(units=[("5707", 1)], days=["2024-05-01"])
    frame.loc[[3, 4], "generation"] = np.nan
    storage.replace_pv_days(frame)
    day = stored_day(storage, "5707", 1, "2024-05-01")
    assert day["generation"].isna().tolist() == [i in (3, 4) for i in range(24)]


def test_malformed_frames_are_refused_before_writing(storage: Storage) -> None:
    frame = pv_frame()
    with pytest.raises(FrameError, match="missing column"):
        storage.replace_pv_days(frame.drop(columns=["daily_min"]))
    with pytest.raises(FrameError, match="missing values"):
        storage.replace_pv_days(frame.assign(hogi=pd.array([None] * len(frame), dtype="Int64")))
    assert storage.counts()[TABLE] == 0


def test_incomplete_days_lists_missing_and_partial_days(storage: Storage) -> None:
    storage.replace_pv_days(
        pv_frame(units=[("5707", 1), ("8760", 1)], days=["2024-05-01", "2024-05-03"])
    )
    storage.replace_pv_days(pv_frame(units=[("5707", 1)], days=["2024-05-02"], hours=range(23)))
    # A unit that is not asked about never shows up, even with rows stored.
    storage.replace_pv_days(pv_frame(units=[("5707", 2)], days=["2024-05-02"], hours=range(3)))
    todo = storage.pv_incomplete_days(
        [("5707", 1), ("8760", 1), ("9977", 1)], date(2024, 5, 1), date(2024, 5, 3)
    )
    assert todo == [
        ("5707", 1, date(2024, 5, 2)),
        ("8760", 1, date(2024, 5, 2)),
        ("9977", 1, date(2024, 5, 1)),
        ("9977", 1, date(2024, 5, 2)),
        ("9977", 1, date(2024, 5, 3)),
    ]
    assert storage.pv_incomplete_days([("5707", 1)], date(2024, 5, 3), date(2024, 5, 3)) == []
    assert storage.pv_incomplete_days([], date(2024, 5, 1), date(2024, 5, 3)) == []


def test_incomplete_days_can_require_a_value_in_every_hour(storage: Storage) -> None:
    frame = pv_frame(units=[("5707", 1)], days=["2024-05-01"])
    frame.loc[5, "generation"] = np.nan
    storage.replace_pv_days(frame)
    span = (date(2024, 5, 1), date(2024, 5, 1))
    assert storage.pv_incomplete_days([("5707", 1)], *span) == []
    assert storage.pv_incomplete_days([("5707", 1)], *span, require_value=True) == [
        ("5707", 1, date(2024, 5, 1))
    ]


def test_incomplete_days_refuses_a_reversed_range(storage: Storage) -> None:
    with pytest.raises(ValueError, match="before start"):
        storage.pv_incomplete_days([("5707", 1)], date(2024, 5, 2), date(2024, 5, 1))


@pytest.mark.postgres
def test_copy_and_executemany_paths_store_the_same_days(pg_url: URL) -> None:
    units = [("5707", 1), ("8760", 1), ("9977", 2)]
    days = [f"2024-05-{d:02d}" for d in range(1, 11)]
    first = pv_frame(units, days, seed=1)
    second = pv_frame(units[:2], days[3:7], seed=2, hours=range(1, 23))
    digests = {}
    for threshold, method in ((0, "copy"), (10**9, "executemany")):
        with Storage.from_url(pg_url, copy_threshold=threshold) as db:
            db.create_schema()
            with db.engine.begin() as conn:
                conn.execute(pv_generation_hourly.delete())
            assert db.replace_pv_days(first).method == method
            result = db.replace_pv_days(second)
            assert result.method == method and len(result.days) == 8
            digests[method] = db.table_digest(TABLE)
            with db.engine.connect() as conn:
                # The COPY path's staging table is gone once the load returns.
                staged = text("SELECT count(*) FROM pg_class WHERE relname LIKE :name")
                assert conn.execute(staged, {"name": "\\_stage%"}).scalar() == 0
    assert digests["copy"] == digests["executemany"]


def test_concurrent_replacements_of_one_day_never_mix(storage: Storage) -> None:
    # Without per-day serialisation, a 12-hour and a 24-hour version of the same
    # day loaded at once can interleave into hours 0-11 of one and 12-23 of the other.
    import threading

    full = pv_frame(units=[("5707", 1)], days=["2024-05-01"], seed=1)
    half = pv_frame(units=[("5707", 1)], days=["2024-05-01"], seed=2, hours=range(12), scale=5.0)
    versions = {}
    for name, frame in (("full", full), ("half", half)):
        storage.replace_pv_days(frame)
        versions[name] = storage.table_digest(TABLE)
    errors: list[BaseException] = []

    def load(frame: pd.DataFrame) -> None:
        try:
            for _ in range(15):
                storage.replace_pv_days(frame)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(f,)) for f in (full, half, full, half)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert storage.table_digest(TABLE) in versions.values()
