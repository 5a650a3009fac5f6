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
            report={
                "ta": {"서울": {"gaps_by_length": {3: np.int64(2)}, "unfilled": 0}},
                "nan": float("nan"),
            },
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
    storage.record_run(
        RunRecord("r", "pv", datetime.now(UTC), "failed", error="x" * (MAX_ERROR_CHARS + 5))
    )
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
    db.record_run(
        RunRecord("r1", "wind", datetime(2024, 5, 1, tzinfo=UTC), "completed", report={"rows": 1})
    )
    db.put_signature("wind", {"fields": ["dgenYmd"]})


def test_counts_and_a_rerun_leaves_every_table_the_same(storage: Storage) -> None:
    load_everything(storage)
    assert storage.counts() == {
        "weather_hourly": 2 * 72,
        "wind_generation_hourly": 2 * 72,
        "pv_generation_hourly": 2 * 2 * 24,
        "pipeline_runs": 1,
        "source_signatures": 1,
        "observation_revisions": 0,
    }
    digests = {table: storage.table_digest(table) for table in storage.counts()}
    load_everything(storage)
    # observation_revisions included: loading the same data again revises nothing.
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
    settings = load_settings(
        "test", data_dir=tmp_path / "state", database={"url": "sqlite:///db/energy.sqlite"}
    )
    with open_storage(settings) as db:
        assert db.dialect == "sqlite"
        assert db.counts()["pipeline_runs"] == 0  # schema created
    assert (tmp_path / "state" / "db" / "energy.sqlite").exists()


# -- runs whose process was killed ---------------------------------------------------------

#: A flow run that logs itself as running, says so, and sleeps until killed.
_SLEEPING_RUN = """
import sys, time
from pipeline.runtime import execute
from registry import load_settings

def body(ctx):
    print("running", ctx.summary.run_id, flush=True)
    time.sleep(300)

execute("weather_daily", "asos", "2024-01-29", load_settings("test", data_dir=sys.argv[1]), body)
"""


def test_a_run_killed_by_sigkill_is_marked_interrupted_when_the_pipeline_next_starts(
    tmp_path,
) -> None:
    import os
    import signal
    import subprocess
    import sys

    from pipeline.runtime import execute
    from storage.runs import INTERRUPTED_ERROR

    data_dir = tmp_path / "data"
    child = subprocess.Popen(
        [sys.executable, "-c", _SLEEPING_RUN, str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        # structlog's default configuration prints to stdout too: skip its lines.
        line = ""
        for line in child.stdout:
            if line.startswith("running "):
                break
        assert line.startswith("running "), f"the child did not start its run: {line!r}"
        killed_run = line.split()[1]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()  # type: ignore[union-attr]
    assert child.returncode == -signal.SIGKILL
    settings = load_settings("test", data_dir=data_dir)
    with open_storage(settings) as db:
        before = db.get_run(killed_run)
    assert before is not None and before.status == "running"
    assert before.report["process"]["pid"] == child.pid

    execute("weather_daily", "asos", "2024-01-30", settings, lambda ctx: None)

    with open_storage(settings) as db:
        after = db.get_run(killed_run)
        statuses = sorted(run.status for run in db.recent_runs())
    assert after is not None and after.status == "interrupted"
    assert after.error == INTERRUPTED_ERROR
    assert after.finished_at is not None and after.finished_at >= after.started_at
    assert statuses == ["completed", "interrupted"]


def test_running_rows_of_live_processes_and_recent_other_hosts_are_left_alone(
    storage: Storage,
) -> None:
    from storage.runs import INTERRUPTED_ERROR, ProcessIdentity, mark_interrupted_runs

    me = ProcessIdentity.current()
    now = datetime(2024, 5, 2, 12, 0, tzinfo=UTC)
    other = {"host": me.host + "-elsewhere", "pid": 1}
    rows = {
        "alive-here": (now - timedelta(days=3), {"process": me.as_json()}),
        "other-host-recent": (now - timedelta(hours=23), {"process": other}),
        "other-host-old": (now - timedelta(hours=25), {"process": other}),
        "no-identity-recent": (now - timedelta(hours=1), {}),
        "no-identity-old": (now - timedelta(days=2), {}),
    }
    for run_id, (started, report) in rows.items():
        storage.record_run(RunRecord(run_id, "weather", started, "running", report=report))
    storage.record_run(
        RunRecord(
            "done",
            "weather",
            now - timedelta(days=5),
            "completed",
            finished_at=now - timedelta(days=5),
        )
    )

    marked = mark_interrupted_runs(storage.engine, now=now, me=me)

    assert sorted(marked) == ["no-identity-old", "other-host-old"]
    status = {run.run_id: (run.status, run.error) for run in storage.recent_runs()}
    assert status["other-host-old"] == ("interrupted", INTERRUPTED_ERROR)
    assert status["alive-here"] == ("running", None)
    assert status["other-host-recent"] == ("running", None)
    assert status["done"] == ("completed", None)
    # A second sweep finds nothing more, and does not rewrite what it marked.
    assert mark_interrupted_runs(storage.engine, now=now + timedelta(hours=1), me=me) == []
    assert storage.get_run("other-host-old").finished_at == now  # type: ignore[union-attr]
