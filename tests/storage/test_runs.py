"""Run log, schema signatures, counts and digests across engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy.engine import URL

from registry import load_settings
from storage import FrameError, RunRecord, Storage, open_storage
from storage.runs import MAX_ERROR_CHARS
from tests.storage.conftest import sqlite_url
from tests.storage.frames import fill_like_t2, pv_frame, weather_frame, wind_frame

KST = timezone(timedelta(hours=9))


def test_a_run_is_recorded_at_start_and_updated_at_the_end(storage: Storage) -> None:
    started = datetime(2024, 5, 2, 9, 0, tzinfo=KST)
    storage.record_run(RunRecord("run-1", "weather", started, "running"))
    finished = started + timedelta(minutes=3)
    storage.record_run(
        RunRecord(
            "run-1",
            "weather",
            started,
            "completed",
            finished_at=finished,
            rows_fetched=np.int64(192),
            rows_loaded=190,
            backends={"impute_missing_values": "rust", "asos_to_frame": "python"},
            report={"ta": {"서울": {"gaps_by_length": {3: np.int64(2)}, "unfilled": 0}}, "nan": float("nan")},
        )
    )
    run = storage.get_run("run-1")
    assert run is not None
    assert run.status == "completed"
    assert run.started_at == started and run.started_at.tzinfo == UTC
    assert run.finished_at == finished
    assert (run.rows_fetched, run.rows_loaded) == (192, 190)
    assert run.backends == {"asos_to_frame": "python", "impute_missing_values": "rust"}
    # JSON keeps counts exact; object keys come back as strings and NaN as null.
    assert run.report == {"ta": {"서울": {"gaps_by_length": {"3": 2}, "unfilled": 0}}, "nan": None}
    assert storage.counts()["pipeline_runs"] == 1
    assert storage.get_run("no-such-run") is None


def test_recent_runs_are_newest_first_and_filter_by_flow(storage: Storage) -> None:
    base = datetime(2024, 5, 1, tzinfo=UTC)
    for i, flow in enumerate(["wind", "pv", "wind", "weather"]):
        storage.record_run(RunRecord(f"r{i}", flow, base + timedelta(hours=i), "completed"))
    assert [r.run_id for r in storage.recent_runs()] == ["r3", "r2", "r1", "r0"]
    assert [r.run_id for r in storage.recent_runs("wind")] == ["r2", "r0"]
    assert [r.run_id for r in storage.recent_runs(limit=1)] == ["r3"]


def test_naive_run_times_are_refused(storage: Storage) -> None:
    with pytest.raises(FrameError, match="timezone-aware"):
        storage.record_run(RunRecord("r", "wind", datetime(2024, 5, 1), "running"))


def test_long_errors_are_cut(storage: Storage) -> None:
    storage.record_run(RunRecord("r", "pv", datetime.now(UTC), "failed", error="x" * (MAX_ERROR_CHARS + 5)))
    run = storage.get_run("r")
    assert run is not None and run.error is not None
    assert run.error.startswith("x" * MAX_ERROR_CHARS) and run.error.endswith("[5 more characters]")


def test_signatures_are_stored_and_replaced(storage: Storage) -> None:
    assert storage.get_signature("asos") is None
    storage.put_signature("asos", {"fields": ["tm", "stnId", "ta"], "count": np.int64(3)})
    assert storage.get_signature("asos") == {"fields": ["tm", "stnId", "ta"], "count": 3}
    storage.put_signature("asos", {"fields": ["tm"]})
    assert storage.get_signature("asos") == {"fields": ["tm"]}
    assert storage.counts()["source_signatures"] == 1


def load_everything(db: Storage) -> None:
    db.load_weather(*fill_like_t2(weather_frame(hours=72)))
    db.load_wind(wind_frame(hours=72))
    db.replace_pv_days(pv_frame(days=["2024-05-01", "2024-05-02"]))
    db.record_run(RunRecord("r1", "wind", datetime(2024, 5, 1, tzinfo=UTC), "completed", report={"rows": 1}))
    db.put_signature("wind", {"fields": ["dgenYmd"]})


def test_counts_and_a_rerun_leaves_every_table_the_same(storage: Storage) -> None:
    load_everything(storage)
    assert storage.counts() == {
        "weather_hourly": 2 * 72,
        "wind_generation_hourly": 2 * 72,
        "pv_generation_hourly": 2 * 2 * 24,
        "pipeline_runs": 1,
        "source_signatures": 1,
    }
    digests = {table: storage.table_digest(table) for table in storage.counts()}
    load_everything(storage)
    assert {table: storage.table_digest(table) for table in digests} == digests


@pytest.mark.postgres
def test_digests_agree_between_sqlite_and_postgres(pg_url: URL, tmp_path) -> None:
    digests = []
    for url in (sqlite_url(tmp_path), pg_url):
        with Storage.from_url(url) as db:
            db.create_schema()
            load_everything(db)
            digests.append({table: db.table_digest(table) for table in db.counts()})
    assert digests[0] == digests[1]


def test_open_storage_uses_the_settings_url_under_data_dir(tmp_path) -> None:
    settings = load_settings("test", data_dir=tmp_path / "state", database={"url": "sqlite:///db/energy.sqlite"})
    with open_storage(settings) as db:
        assert db.dialect == "sqlite"
        assert db.counts()["pipeline_runs"] == 0  # schema created
    assert (tmp_path / "state" / "db" / "energy.sqlite").exists()
