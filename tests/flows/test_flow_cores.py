"""The flow cores as plain functions, on SQLite, with the replay sources (no Prefect start-up)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, text

from pipeline.jobs import JobFailed, plan_main_job, run_main_job
from pipeline.weather import run_weather
from pipeline.wind import run_wind
from registry import Settings
from sources import FatalPortalError
from sources.schema_drift import SchemaDriftError
from storage.facade import Storage, open_storage
from storage.schema import weather_hourly
from tests.flows.payload_edits import edit_asos_items

DAY1, DAY2 = date(2024, 1, 29), date(2024, 1, 30)
WEBHOOK_PATH = "/services/T000/B000/notify-secret-part"


def slack_posts(server: HTTPServer) -> list[dict[str, Any]]:
    return [
        json.loads(request.get_data()) for request, _ in server.log if request.path == WEBHOOK_PATH
    ]


def slack_text(payload: dict[str, Any]) -> str:
    return "\n".join([payload["text"], *(block["text"]["text"] for block in payload["blocks"])])


@pytest.fixture
def webhook(httpserver: HTTPServer) -> str:
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("ok")
    return httpserver.url_for(WEBHOOK_PATH)


def test_main_job_fills_all_tables_and_a_rerun_changes_nothing(
    settings: Settings, storage: Storage
) -> None:
    plan = plan_main_job(settings)
    first = run_main_job(settings, plan)

    assert [s.flow for s in first] == ["weather_daily"] * len(plan.weather_days) + [
        "wind_monthly",
        "pv_backfill",
    ]
    counts = storage.counts()
    assert counts["weather_hourly"] == sum(s.rows_loaded for s in first if s.source == "asos") > 0
    assert (
        counts["wind_generation_hourly"]
        == next(s.rows_loaded for s in first if s.source == "wind")
        > 0
    )
    assert (
        counts["pv_generation_hourly"] == next(s.rows_loaded for s in first if s.source == "pv") > 0
    )
    before = {
        t: storage.table_digest(t)
        for t in (
            "weather_hourly",
            "wind_generation_hourly",
            "pv_generation_hourly",
            "source_signatures",
        )
    }

    second = run_main_job(settings, plan)

    after = {t: storage.table_digest(t) for t in before}
    assert after == before
    # PV fetches again only the days with < 24 hours of values stored: the samples'
    # days with a blank hour (kept NULL, never 0), in case the API filled it since.
    with storage.engine.connect() as conn:
        blank_days = conn.execute(
            text(
                "SELECT COUNT(DISTINCT gencd || '/' || hogi || '/' || date(datetime)) "
                "FROM pv_generation_hourly WHERE generation IS NULL"
            )
        ).scalar_one()
    assert blank_days > 0
    pv_again = second[-1]
    assert pv_again.details["unit_days_wanted"] == blank_days
    assert pv_again.rows_loaded == 24 * blank_days

    runs = storage.recent_runs(limit=50)
    assert len(runs) == len(first) + len(second)
    assert {r.status for r in runs} == {"completed"}
    by_id = {r.run_id: r for r in runs}
    for summary in first:
        logged = by_id[summary.run_id]
        assert logged.backends == summary.backends() and logged.backends
        assert logged.rows_loaded == summary.rows_loaded
        transforms = {row["transform"]: row for row in logged.report["transforms"]}
        assert set(transforms) == set(summary.backends())
        assert all(
            row["used"] == "python" and row["rule"] == "toml:backends.default"
            for row in transforms.values()
        )


def weather_rows(storage: Storage) -> dict[tuple[int, datetime], tuple[Any, ...]]:
    """(station, tm) -> (ta, hm, ta_method, hm_method) of every stored weather row."""
    w = weather_hourly
    with storage.engine.connect() as conn:
        rows = conn.execute(
            select(w.c.station_id, w.c.tm, w.c.ta, w.c.hm, w.c.ta_method, w.c.hm_method)
        )
        return {(r.station_id, r.tm): (r.ta, r.hm, r.ta_method, r.hm_method) for r in rows}


def fills_of(
    rows: dict[tuple[int, datetime], tuple[Any, ...]], day: date, column: str
) -> dict[str, int]:
    """Fill labels of ``column`` counted over the rows of ``day``."""
    at = 2 if column == "ta" else 3
    counted: dict[str, int] = {}
    for (_, tm), row in rows.items():
        if tm.date() == day and row[at] not in ("observed", "unfilled"):
            counted[row[at]] = counted.get(row[at], 0) + 1
    return dict(sorted(counted.items()))


def test_weather_stores_the_fill_method_of_every_value(
    settings: Settings, storage: Storage
) -> None:
    first = run_weather(settings, DAY1)
    after_first = weather_rows(storage)
    second = run_weather(settings, DAY2)
    after_second = weather_rows(storage)

    for column in ("ta", "hm"):
        # Each run's summary counts the fills of the rows it loaded.
        assert fills_of(after_first, DAY1, column) == first.filled[column]
        assert fills_of(after_second, DAY2, column) == second.filled[column]
    # Day 1's rows whose fills day 2 changed (day 2 is new context for them) are
    # exactly the ones the second run reports as revised; observed values stay.
    changed = {
        k: row for k, row in after_second.items() if k in after_first and row != after_first[k]
    }
    # (The samples end day 1 of one station with a short gap: an edge fill that day 2 revises.)
    assert len(changed) == second.details["revised_fills"] > 0
    for column, at in (("ta", 2), ("hm", 3)):
        new_labels: dict[str, int] = {}
        for key, row in changed.items():
            if after_first[key][at] == "observed":
                assert (row[at - 2], row[at]) == (after_first[key][at - 2], "observed")
            if row[at - 2] != after_first[key][at - 2] or row[at] != after_first[key][at]:
                new_labels[row[at]] = new_labels.get(row[at], 0) + 1
        assert dict(sorted(new_labels.items())) == second.details["revised_by_method"][column]
    # The samples hold a 5-hour ta gap on 2024-01-30 (longer than max_spline_gap):
    # climatology evidence comes from the day before, read back as T2 context
    # (within 2 * impute_context_hours of the day), so history adds nothing here.
    assert second.details["context_rows"] == first.rows_loaded
    assert second.details["history_rows"] == 0
    assert sum(second.filled_by_method().values()) > 0


def test_env_backend_python_rolls_every_transform_back(
    settings: Settings, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_BACKEND", "python")
    summaries = run_main_job(settings)

    rows = [row for run in storage.recent_runs(limit=20) for row in run.report["transforms"]]
    assert {row["transform"] for row in rows} == {
        "asos_to_frame",
        "impute_missing_values",
        "wind_to_long",
        "pv_to_long",
    }
    assert {(row["used"], row["rule"]) for row in rows} == {("python", "env:ENERGY_BACKEND")}
    assert all(set(s.backends().values()) == {"python"} for s in summaries)


def test_run_log_counts_the_shadow_runs_of_the_test_environment(
    settings: Settings, storage: Storage, discovered_backends: Any
) -> None:
    # configs/test.toml runs python and shadows every transform with rust.
    run_main_job(settings)
    rows = [row for run in storage.recent_runs(limit=20) for row in run.report["transforms"]]
    expected = "rust match" if "rust" in discovered_backends.available else "rust error"
    for row in rows:
        assert set(row["shadow"]) == {expected}, row
        assert row["shadow"][expected] == row["calls"]


def test_drift_warning_reaches_the_run_log_and_the_notification(
    make_settings: Any, samples_copy: Path, webhook: str, httpserver: HTTPServer
) -> None:
    assert edit_asos_items(samples_copy, "20240130", lambda item: item.update(newSensor="1.5")) > 0
    settings = make_settings(
        sources={"mode": "replay", "samples_dir": samples_copy},
        notifications={"slack_webhook_url": webhook},
    )
    baseline = run_weather(settings, DAY1)
    drifted = run_weather(settings, DAY2)

    assert not any("newSensor" in w for w in baseline.drift_warnings)
    assert any("newSensor" in w for w in drifted.drift_warnings)
    assert drifted.status == "completed" and drifted.rows_loaded > 0
    with open_storage(settings) as storage:
        logged = storage.get_run(drifted.run_id)
        assert logged is not None and logged.report["drift_warnings"] == drifted.drift_warnings
        assert "newSensor" in storage.get_signature("asos")["fields"]
    posts = slack_posts(httpserver)
    assert len(posts) == 2
    text = slack_text(posts[1])
    assert "succeeded" in text and "newSensor" in text and "asos: 192 / 192" in text
    assert "impute_missing_values → python" in text


def test_missing_required_field_stops_before_loading(
    make_settings: Any, samples_copy: Path, webhook: str, httpserver: HTTPServer
) -> None:
    edit_asos_items(samples_copy, "20240129", lambda item: item.pop("hm"))
    settings = make_settings(
        sources={"mode": "replay", "samples_dir": samples_copy},
        notifications={"slack_webhook_url": webhook},
    )
    with pytest.raises(SchemaDriftError, match="hm"):
        run_weather(settings, DAY1)

    with open_storage(settings) as storage:
        assert storage.counts()["weather_hourly"] == 0
        (run,) = storage.recent_runs()
        assert run.status == "failed" and "SchemaDriftError" in run.error and "hm" in run.error
    (post,) = slack_posts(httpserver)
    assert "FAILED" in slack_text(post) and "hm" in slack_text(post)


def test_failing_source_sends_a_failure_notification_without_secrets(
    make_settings: Any, webhook: str, httpserver: HTTPServer
) -> None:
    service_key = "flow-test-service-key-0123456789"
    gateway_error = (
        Path(__file__).parents[1] / "fixtures" / "payloads" / "gateway_error_envelope.xml"
    ).read_bytes()
    httpserver.expect_request("/portal/B551893/wind-power-by-hour/list").respond_with_data(
        gateway_error, content_type="text/xml"
    )
    settings = make_settings(
        sources={
            "mode": "live",
            "base_url": httpserver.url_for("/portal"),
            "service_key": service_key,
            "max_retries": 0,
        },
        notifications={"slack_webhook_url": webhook},
    )
    with pytest.raises(FatalPortalError, match="30"):
        run_wind(settings, date(2024, 1, 1))

    (post,) = slack_posts(httpserver)
    text = json.dumps(post, ensure_ascii=False)
    assert "FAILED" in text and "wind_monthly 2024-01" in text and "FatalPortalError" in text
    assert service_key not in text and "notify-secret-part" not in text
    with open_storage(settings) as storage:
        (run,) = storage.recent_runs()
    assert run.status == "failed" and service_key not in (run.error or "")


def test_a_failed_flow_does_not_stop_the_others(make_settings: Any, samples_copy: Path) -> None:
    edit_asos_items(samples_copy, "20240130", lambda item: item.pop("ta"))
    settings = make_settings(sources={"mode": "replay", "samples_dir": samples_copy})

    with pytest.raises(JobFailed, match="weather 2024-01-30"):
        run_main_job(settings)

    with open_storage(settings) as storage:
        statuses = {(r.flow, r.report["period"]): r.status for r in storage.recent_runs()}
        assert storage.counts()["pv_generation_hourly"] > 0
    assert statuses[("weather_daily", "2024-01-30")] == "failed"
    assert statuses[("weather_daily", "2024-01-31")] == "completed"
    assert statuses[("wind_monthly", "2024-01")] == "completed"


@pytest.mark.postgres
def test_main_job_on_postgresql_matches_sqlite(
    make_settings: Any, postgres_database_url: Any
) -> None:
    sqlite_settings = make_settings()
    pg_settings = make_settings(
        database={"url": postgres_database_url.render_as_string(hide_password=False)}
    )
    run_main_job(sqlite_settings)
    run_main_job(pg_settings)
    run_main_job(pg_settings)

    with open_storage(sqlite_settings) as lite, open_storage(pg_settings) as pg:
        assert pg.dialect == "postgresql"
        for table in ("weather_hourly", "wind_generation_hourly", "pv_generation_hourly"):
            assert pg.table_digest(table) == lite.table_digest(table), table
