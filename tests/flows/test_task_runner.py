"""``[pipeline] task_runner = "dask"``: the weather flow imputes one station per task on the cluster.

The table must be the one the thread runner writes, whether the flows run as
plain functions (partitions on the cluster through :class:`DaskRunner`) or
through the Prefect engine (Prefect tasks on prefect-dask's task runner).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from distributed import Client

from pipeline.cluster import DaskRunner
from pipeline.jobs import run_main_job
from prefect_flows.task_runners import task_runner_for
from registry import Settings, load_settings
from storage.facade import open_storage

TABLES = ("weather_hourly", "wind_generation_hourly", "pv_generation_hourly")


def _digests(settings: Settings) -> dict[str, str]:
    with open_storage(settings) as db:
        return {t: db.table_digest(t) for t in TABLES}


def test_the_main_job_with_weather_on_dask_writes_what_the_thread_runner_writes(
    make_settings: Callable[..., Any], tmp_path: Any, dask_cluster: Client
) -> None:
    thread = make_settings()
    dask = load_settings("test", data_dir=tmp_path / "dask", pipeline={"task_runner": "dask"})
    run_main_job(thread)
    summaries = run_main_job(dask, partitions=DaskRunner(dask_cluster))
    weather = [s for s in summaries if s.flow == "weather_daily"]
    assert weather and all(s.details["impute_partitions"] == 8 for s in weather)
    assert _digests(dask) == _digests(thread)


def test_task_runner_follows_the_settings(make_settings: Callable[..., Any]) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask.task_runners import DaskTaskRunner

    assert isinstance(task_runner_for(make_settings()), ThreadPoolTaskRunner)
    attached = task_runner_for(
        make_settings(pipeline={"task_runner": "dask"}, cluster={"address": "tcp://10.0.0.1:8786"})
    )
    assert isinstance(attached, DaskTaskRunner)
    assert attached.address == "tcp://10.0.0.1:8786"
    local = task_runner_for(make_settings(pipeline={"task_runner": "dask"}, cluster={"workers": 3}))
    assert isinstance(local, DaskTaskRunner) and local.address is None
    assert (
        local.cluster_kwargs["n_workers"] == 3 and local.cluster_kwargs["threads_per_worker"] == 1
    )


@pytest.mark.prefect
def test_the_weather_flow_on_prefect_dask_writes_what_the_thread_runner_writes(
    make_settings: Callable[..., Any],
    tmp_path: Any,
    prefect_harness: None,
    dask_cluster: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline.weather import run_weather
    from prefect_flows import flows

    thread = make_settings()
    run_weather(thread, *_days(thread))
    data_dir = tmp_path / "prefect-dask"
    monkeypatch.setenv("ENERGY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ENERGY_PIPELINE__TASK_RUNNER", "dask")
    monkeypatch.setenv("ENERGY_CLUSTER__ADDRESS", str(dask_cluster.scheduler.address))
    dask = load_settings("test", data_dir=data_dir, pipeline={"task_runner": "dask"})
    start, end = _days(thread)
    weather = flows.weather_daily.with_options(task_runner=task_runner_for(dask))
    result = weather(start, end)
    assert result["status"] == "completed"
    assert result["details"]["impute_partitions"] == 8
    with open_storage(thread) as a, open_storage(dask) as b:
        assert a.table_digest("weather_hourly") == b.table_digest("weather_hourly")


def _days(settings: Settings) -> tuple[Any, Any]:
    from sources.replay import Catalog

    return Catalog.load(settings.sources.samples_dir).window
