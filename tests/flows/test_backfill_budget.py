"""``energy backfill``: the plan, the daily request budget, a clean stop and a resume.

Everything runs on the embedded default (replay of the bundled samples through
the live clients, SQLite), so the requests counted here are the requests the
live clients send. The samples cover 2024-01-29..31 for 8 ASOS stations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from energy_cli.pipeline_commands import BUDGET_STOP_EXIT, register
from foundations.korean_time import today_kst
from pipeline.request_budget import DatabaseLedger
from registry import Settings, load_settings
from sources.errors import BudgetExhaustedError
from storage.facade import open_storage

WINDOW = ("--start", "2024-01-29", "--end", "2024-01-31")
STATIONS = 8


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(data_dir))
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return invoke


def sent_today(data_dir: Path, api: str) -> int:
    with open_storage(load_settings("test", data_dir=data_dir)) as db:
        return db.requests_sent(api, today_kst())


def table(data_dir: Path, name: str) -> tuple[int, str]:
    with open_storage(load_settings("test", data_dir=data_dir)) as db:
        return db.counts()[name], db.table_digest(name)


def test_plan_counts_requests_per_source_and_fetches_nothing(
    cli: Callable[..., Result], data_dir: Path
) -> None:
    result = cli("backfill", "--plan", "--json", *WINDOW)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    by_source = {p["source"]: p for p in plan["sources"]}
    # One ASOS range query per station; 31 PV units x (3 + 1) days in one page
    # of 100 would be 2 pages of an all-units query; a month of 5 wind units is
    # 155 records: 2 pages and the empty page that ends paging.
    assert by_source["weather"]["requests"] == STATIONS
    assert by_source["pv"]["requests"] == 2
    assert by_source["wind"]["requests"] == 3
    assert plan["requests"] == STATIONS + 2 + 3
    assert isinstance(plan["requests"], int)
    assert by_source["pv"]["daily_request_budget"] == 1000
    assert all(sent_today(data_dir, api) == 0 for api in ("asos", "wind", "pv"))

    loaded = cli("backfill", "--source", "weather", *WINDOW, "--no-prefect")
    assert loaded.exit_code == 0, loaded.output
    again = json.loads(cli("backfill", "--plan", "--json", "--source", "weather", *WINDOW).stdout)
    assert again["requests"] == 0  # everything complete: a resume would fetch nothing


def test_plan_prints_a_table_for_people(cli: Callable[..., Result]) -> None:
    result = cli("backfill", "--plan", "--source", "pv", *WINDOW)
    assert result.exit_code == 0, result.output
    assert "days of budget" in result.stdout and "pv" in result.stdout


def test_a_spent_budget_stops_cleanly_and_the_rerun_resumes_without_refetching(
    cli: Callable[..., Result], data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_SOURCES__ASOS__DAILY_REQUEST_BUDGET", "3")
    stopped = cli("backfill", "--source", "weather", *WINDOW, "--no-prefect")
    assert stopped.exit_code == BUDGET_STOP_EXIT, stopped.output
    assert "daily request budget spent (3 of 3" in stopped.output
    assert "resumes at 2024-01-29" in stopped.output
    assert "Traceback" not in stopped.output
    # Three stations' answers arrived before the budget ran out: all loaded.
    assert table(data_dir, "weather_hourly")[0] == 3 * 72
    assert sent_today(data_dir, "asos") == 3

    # Same day, same budget: nothing can be sent, nothing changes.
    blocked = cli("backfill", "--source", "weather", *WINDOW, "--no-prefect")
    assert blocked.exit_code == BUDGET_STOP_EXIT
    assert sent_today(data_dir, "asos") == 3
    assert table(data_dir, "weather_hourly")[0] == 3 * 72

    monkeypatch.setenv("ENERGY_SOURCES__ASOS__DAILY_REQUEST_BUDGET", "100")
    resumed = cli("backfill", "--source", "weather", *WINDOW, "--no-prefect")
    assert resumed.exit_code == 0, resumed.output
    # Only the five stations still incomplete were asked: 8 requests in all.
    assert sent_today(data_dir, "asos") == STATIONS

    # The table equals what one uninterrupted backfill stores.
    monkeypatch.setenv("ENERGY_DATA_DIR", str(tmp_path / "clean"))
    clean = cli("backfill", "--source", "weather", *WINDOW, "--no-prefect")
    assert clean.exit_code == 0, clean.output
    assert table(data_dir, "weather_hourly") == table(tmp_path / "clean", "weather_hourly")


def test_separate_runs_share_one_daily_budget(
    cli: Callable[..., Result], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_SOURCES__ASOS__DAILY_REQUEST_BUDGET", "10")
    first = cli(
        "backfill",
        "--source",
        "weather",
        "--start",
        "2024-01-29",
        "--end",
        "2024-01-29",
        "--no-prefect",
    )
    assert first.exit_code == 0, first.output
    assert sent_today(data_dir, "asos") == STATIONS

    # The second run needs 8 more but only 2 are left of the day's 10.
    second = cli(
        "backfill",
        "--source",
        "weather",
        "--start",
        "2024-01-30",
        "--end",
        "2024-01-31",
        "--no-prefect",
    )
    assert second.exit_code == BUDGET_STOP_EXIT, second.output
    assert "(10 of 10 requests" in second.output
    assert sent_today(data_dir, "asos") == 10


def test_a_complete_wind_month_is_not_asked_again(
    cli: Callable[..., Result], data_dir: Path
) -> None:
    args = (
        "backfill",
        "--source",
        "wind",
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-31",
        "--no-prefect",
    )
    assert cli(*args).exit_code == 0
    spent = sent_today(data_dir, "wind")
    assert spent > 0
    assert cli(*args).exit_code == 0
    assert sent_today(data_dir, "wind") == spent


def test_the_database_ledger_is_shared_by_two_storages(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(sources={"pv": {"daily_request_budget": 2}})
    day = date(2024, 6, 1)
    with open_storage(settings) as one, open_storage(settings) as two:
        first = DatabaseLedger(one, settings, today=lambda: day)
        second = DatabaseLedger(two, settings, today=lambda: day)
        first.spend("pv")
        second.spend("pv")
        with pytest.raises(BudgetExhaustedError) as raised:
            first.spend("pv")
        assert (raised.value.spent, raised.value.budget, raised.value.day) == (2, 2, day)
        assert second.remaining("pv") == 0
        # The next Korean day has a budget of its own.
        assert DatabaseLedger(one, settings, today=lambda: date(2024, 6, 2)).remaining("pv") == 2
