"""The Prefect 3 flows: thin wrappers around the plain-function cores.

Import this module only after :func:`prefect_flows.prefect_env.prepare_prefect_environment`
(the CLI does), because Prefect reads its settings when it is imported.

Each flow loads the settings of its environment when the run starts (never at
import), so a long-lived ``energy serve`` picks up ``ENERGY_BACKEND=python``
at its next run. Each stage of a core (fetch, drift check, parse, impute, load)
runs as a Prefect task; retries are not configured here, because the HTTP
layer retries with jitter and a re-run of a whole flow is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.runtime import flow_run

from foundations.log_config import configure_logging
from pipeline.backfill import BackfillStopped, BudgetStop, plan_backfill
from pipeline.fetching import is_fatal
from pipeline.jobs import JobFailed, plan_main_job
from pipeline.pv import DEFAULT_DAYS_BACK, run_pv
from pipeline.weather import run_weather
from pipeline.wind import run_wind
from prefect_flows import artifacts
from prefect_flows.task_runners import PrefectTaskPartitions, task_runner_for
from registry import Settings, load_settings
from sources.errors import BudgetExhaustedError

T = TypeVar("T")


def prefect_step(name: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run one stage as a Prefect task (visible in the UI with its own state and duration).

    No caching and no result persistence: stage inputs are engines, frames and
    raw bodies, which must be neither hashed nor written to Prefect's storage.
    """
    result: T = task(name=name, cache_policy=NO_CACHE, persist_result=False)(fn)(*args, **kwargs)
    return result


def _run_settings() -> Settings:
    """This run's settings, and structlog set to its environment's format."""
    settings = load_settings()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(settings.logging)
    if handlers:
        # configure_logging replaces the root handlers; inside a run they are
        # Prefect's console handler, which names the flow and task runs.
        root.handlers[:] = handlers
        root.setLevel(level)
    return settings


def _options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "step": prefect_step,
        "observers": [artifacts.publish],
        "run_id": str(flow_run.get_id()),
    }
    if settings.pipeline.task_runner == "dask":
        options["partitions"] = PrefectTaskPartitions()
    return options


def _on_task_runner(flow_fn: Any, settings: Settings) -> Any:
    """``flow_fn`` as a subflow on the task runner of ``[pipeline] task_runner``."""
    return flow_fn.with_options(task_runner=task_runner_for(settings))


@flow(name="weather-daily", log_prints=False)
def weather_daily(
    start: date | None = None,
    end: date | None = None,
    stations: list[int] | None = None,
    only_missing: bool = True,
) -> dict[str, Any]:
    """ASOS weather of ``start..end`` (default: yesterday KST; ``end`` defaults to ``start``).

    One query per station for the range; with ``only_missing`` only station-days
    with < 24 rows stored are fetched. Fills near the range are revised
    (docs/weather_fills.md).
    """
    settings = _run_settings()
    summary = run_weather(
        settings, start, end, stations=stations, only_missing=only_missing, **_options(settings)
    )
    return summary.as_dict()


@flow(name="wind-monthly", log_prints=False)
def wind_monthly(month: date | None = None, only_missing: bool = True) -> dict[str, Any]:
    """Namdong wind of ``month``'s month (default: the previous month KST); a complete month is skipped."""
    settings = _run_settings()
    return run_wind(settings, month, only_missing=only_missing, **_options(settings)).as_dict()


@flow(name="pv-backfill", log_prints=False)
def pv_backfill(
    start: date | None = None,
    end: date | None = None,
    days_back: int = DEFAULT_DAYS_BACK,
    units: list[tuple[str, int]] | None = None,
    only_missing: bool = True,
) -> dict[str, Any]:
    """Nambu PV days with < 24 hours stored in ``start``..``end`` (default: the last ``days_back`` days)."""
    settings = _run_settings()
    summary = run_pv(
        settings,
        start,
        end,
        units=units,
        days_back=days_back,
        only_missing=only_missing,
        **_options(settings),
    )
    return summary.as_dict()


def _gather(states: list[tuple[str, State[Any]]]) -> list[dict[str, Any]]:
    """Subflow results; raise :class:`JobFailed` naming the failed ones after all have run."""
    failures = [label for label, state in states if not state.is_completed()]
    if failures:
        raise JobFailed(failures)
    return [state.result() for _, state in states]


@flow(name="energy-main-job", log_prints=False)
def main_job() -> list[dict[str, Any]]:
    """Weather, wind and PV for the plan of this environment (replay: the samples' dates)."""
    settings = _run_settings()
    plan = plan_main_job(settings)
    weather = _on_task_runner(weather_daily, settings)
    states: list[tuple[str, State[Any]]] = []
    for day in plan.weather_days:
        states.append((f"weather {day}", weather(day, day, return_state=True)))
    for month in plan.wind_months:
        states.append((f"wind {month:%Y-%m}", wind_monthly(month, return_state=True)))
    units = [list(u) for u in plan.pv_units] if plan.pv_units is not None else None
    states.append(
        (
            f"pv {plan.pv_start}..{plan.pv_end}",
            pv_backfill(plan.pv_start, plan.pv_end, units=units, return_state=True),
        )
    )
    return _gather(states)


def _error(state: State[Any]) -> BaseException | None:
    """The exception a subflow ended with (``None`` if it completed)."""
    if state.is_completed():
        return None
    outcome = state.result(raise_on_failure=False)
    return outcome if isinstance(outcome, BaseException) else None


@flow(name="energy-backfill", log_prints=False)
def backfill(
    source: str, start: date, end: date, only_missing: bool = True
) -> list[dict[str, Any]]:
    """Backfill one source, a subflow per step of :func:`pipeline.backfill.plan_backfill`.

    Weather: a subflow per 41-day chunk; wind: per month; pv: one for the range.
    When a step runs out of the day's request budget, the backfill stops there
    (:class:`BackfillStopped`); the same backfill run again resumes. A fatal
    portal error (key, permission, quota) stops it at once.
    """
    settings = _run_settings()
    plan = plan_backfill(settings, source, start, end, only_missing=only_missing)
    weather = _on_task_runner(weather_daily, settings)
    states: list[tuple[str, State[Any]]] = []
    for index, step in enumerate(plan.steps):
        if source == "weather":
            state = weather(step.start, step.end, only_missing=only_missing, return_state=True)
        elif source == "wind":
            state = wind_monthly(step.start, only_missing=only_missing, return_state=True)
        else:
            state = pv_backfill(step.start, step.end, only_missing=only_missing, return_state=True)
        error = _error(state)
        if isinstance(error, BudgetExhaustedError):
            raise BackfillStopped(BudgetStop(source, error, plan.steps[index:]))
        if error is not None and is_fatal(error):
            raise error  # a key or quota refusal would fail every later step too
        states.append((step.label, state))
    return _gather(states)
