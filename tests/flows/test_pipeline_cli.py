"""``energy run``/``energy backfill`` without Prefect, the Prefect environment, schedules and dates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from energy_cli.pipeline_commands import register
from pipeline.dates import last_days, month_bounds, previous_month, yesterday_kst
from pipeline.reference import pv_units
from prefect_flows.prefect_env import prepare_prefect_environment
from registry import Settings


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, typer.Typer]:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(data_dir))
    app = typer.Typer()
    register(app)
    return CliRunner(), app


def invoke_json(cli: tuple[CliRunner, typer.Typer], *args: str) -> dict:
    runner, app = cli
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_energy_run_no_prefect_twice_gives_the_same_tables(
    cli: tuple[CliRunner, typer.Typer],
) -> None:
    first = invoke_json(cli, "run", "--no-prefect")
    second = invoke_json(cli, "run", "--no-prefect")

    assert first["mode"] == "plain functions"
    assert {run["source"] for run in first["runs"]} == {"asos", "wind", "pv"}
    assert all(run["status"] == "completed" for run in first["runs"] + second["runs"])
    for table in ("weather_hourly", "wind_generation_hourly", "pv_generation_hourly"):
        assert first["tables"][table]["rows"] > 0
    data_tables = {k: v for k, v in first["tables"].items() if k != "pipeline_runs"}
    assert {k: v for k, v in second["tables"].items() if k != "pipeline_runs"} == data_tables
    assert second["tables"]["pipeline_runs"]["rows"] == 2 * first["tables"]["pipeline_runs"]["rows"]


def test_pv_backfill_fetches_only_missing_days(cli: tuple[CliRunner, typer.Typer]) -> None:
    args = (
        "backfill",
        "--source",
        "pv",
        "--start",
        "2024-01-29",
        "--end",
        "2024-01-31",
        "--no-prefect",
    )
    first = invoke_json(cli, *args)
    (run,) = first["runs"]
    in_range = len(pv_units()) * 3
    assert run["details"]["unit_days_in_range"] == run["details"]["unit_days_wanted"] == in_range
    loaded_days = run["details"]["days_replaced"]
    assert loaded_days > 0 and run["rows_loaded"] == 24 * loaded_days
    assert run["details"]["unit_days_without_data"] == in_range - loaded_days

    (again,) = invoke_json(cli, *args)["runs"]
    # Asked again: the unit-days the samples have no data for, and the days
    # stored with a blank (NULL) hour, which are replaced by the same rows.
    blank_days = again["details"]["days_replaced"]
    assert 0 < blank_days < loaded_days
    assert again["details"]["unit_days_wanted"] == in_range - loaded_days + blank_days
    assert again["rows_loaded"] == 24 * blank_days


def test_backfill_rejects_an_unknown_source(cli: tuple[CliRunner, typer.Typer]) -> None:
    runner, app = cli
    result = runner.invoke(
        app, ["backfill", "--source", "solar", "--start", "2024-01-01", "--end", "2024-01-02"]
    )
    assert result.exit_code == 2
    assert (
        "unknown backfill source 'solar'" in result.output and "weather, wind, pv" in result.output
    )


def test_prefect_environment_defaults_never_override_the_user(settings: Settings) -> None:
    environ = {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "true",
        "PREFECT_API_URL": "http://prefect.example/api",
    }
    applied = prepare_prefect_environment(settings, environ)

    assert environ["PREFECT_HOME"] == str(settings.resolved_data_dir() / "prefect")
    assert int(environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) >= 120
    assert environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"
    assert environ["PREFECT_API_URL"] == "http://prefect.example/api"
    assert set(applied) == {"PREFECT_HOME", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"}


def test_default_periods_are_korean_days() -> None:
    # 2024-03-01 00:30 KST is still February 29 in UTC.
    now = datetime(2024, 2, 29, 15, 30, tzinfo=UTC)
    assert yesterday_kst(now) == date(2024, 2, 29)
    assert previous_month(now) == date(2024, 2, 1)
    assert month_bounds(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert last_days(7, now) == (date(2024, 2, 23), date(2024, 2, 29))


def test_deployments_keep_the_legacy_schedules_in_seoul_time() -> None:
    from prefect_flows.deployments import build_deployments

    schedules = {
        d.name: (d.schedules[0].schedule.cron, d.schedules[0].schedule.timezone, d.parameters)
        for d in build_deployments()
    }
    assert schedules == {
        "weather-daily": ("0 9 * * *", "Asia/Seoul", {}),
        "wind-monthly": ("0 11 10 * *", "Asia/Seoul", {}),
        "pv-backfill": ("0 10 * * *", "Asia/Seoul", {"days_back": 7}),
    }


def test_energy_reimpute_in_process_after_a_run_changes_nothing_and_says_so(
    cli: tuple[CliRunner, typer.Typer],
) -> None:
    ran = invoke_json(cli, "run", "--no-prefect")
    again = invoke_json(
        cli, "reimpute", "--start", "2024-01-29", "--end", "2024-01-31", "--in-process"
    )
    (run,) = again["runs"]
    assert run["flow"] == "reimpute" and run["status"] == "completed"
    assert run["details"]["partitions"] == 8 and run["details"]["runner"] == "in-process"
    assert again["tables"]["weather_hourly"] == ran["tables"]["weather_hourly"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--in-process", "--workers", "2"], "--in-process runs without a cluster"),
        (["--stations", "108,x"], "--stations takes comma-separated station ids"),
        (["--end", "2024-01-01"], "is before --start"),
    ],
)
def test_energy_reimpute_refuses_bad_options_with_one_line(
    cli: tuple[CliRunner, typer.Typer], args: list[str], message: str
) -> None:
    runner, app = cli
    base = ["reimpute", "--start", "2024-01-29", "--end", "2024-01-31"]
    if "--end" in args:
        base = ["reimpute", "--start", "2024-01-29"]
    result = runner.invoke(app, [*base, *args])
    assert result.exit_code != 0
    assert message in result.output
