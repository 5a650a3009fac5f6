"""The main job through the real Prefect engine (one shared temporary server, see conftest)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from energy_cli.pipeline_commands import register
from registry import load_settings
from storage.facade import open_storage

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def read_artifacts(key: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )


def task_names(flow_run_id: str) -> set[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[uuid.UUID(flow_run_id)]))
        )
    return {run.name.rsplit("-", 1)[0] for run in runs}


def test_energy_run_through_prefect(
    prefect_harness: None, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(data_dir))
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    first = runner.invoke(app, ["run", "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["mode"] == "Prefect"
    runs = report["runs"]
    assert [r["flow"] for r in runs] == ["weather_daily"] * 3 + ["wind_monthly", "pv_backfill"]
    assert all(r["status"] == "completed" and r["rows_loaded"] > 0 for r in runs)

    # The run log holds each Prefect flow run under its Prefect id, with the backend per transform.
    with open_storage(load_settings("test", data_dir=data_dir)) as storage:
        logged = {r.run_id: r for r in storage.recent_runs(limit=20)}
    assert set(logged) == {r["run_id"] for r in runs}
    weather = next(r for r in runs if r["flow"] == "weather_daily")
    assert logged[weather["run_id"]].backends == {
        "asos_to_frame": "python",
        "impute_missing_values": "python",
    }
    assert {"fetch-asos", "check-drift", "parse", "read-history", "impute", "load"} <= task_names(
        weather["run_id"]
    )

    # Artifacts: a markdown report per flow run and a table of backends.
    summaries = read_artifacts("weather-daily-summary")
    assert len(summaries) == 3
    markdown = next(a.data for a in summaries if str(a.flow_run_id) == weather["run_id"])
    assert "## Backend per transform" in markdown
    assert "| impute_missing_values | python | python | toml:backends.default |" in markdown
    assert "## Gaps filled per method" in markdown
    for method, rows in weather["filled"]["ta"].items():
        assert f"| ta | {method} | {rows} |" in markdown
    (pv_table,) = read_artifacts("pv-backfill-backends")
    assert [row["transform"] for row in json.loads(pv_table.data)] == ["pv_to_long"]

    second = runner.invoke(app, ["run", "--json"])
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    tables = {k: v for k, v in report["tables"].items() if k != "pipeline_runs"}
    assert {k: v for k, v in again["tables"].items() if k != "pipeline_runs"} == tables
