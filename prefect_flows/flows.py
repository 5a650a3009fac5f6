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
from prefect.runtime import flow_run
from prefect.states import State

from prefect_flows import artifacts
from prefect_flows.jobs import JobFailed, backfill_periods, plan_main_job
from prefect_flows.pv import DEFAULT_DAYS_BACK, run_pv
from prefect_flows.weather import run_weather
from prefect_flows.wind import run_wind
from registry import Settings, load_settings
from registry.log_config import configure_logging

T = TypeVar("T")


def prefect_step(name: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run one stage as a Prefect task (visible in the UI with its own state and duration).

    No caching and no result persistence: stage inputs are engines, frames and
    raw bodies, which must be neither hashed nor written to Prefect's storage.
    """
    return task(fn, name=name, cache_policy=NO_CACHE, persist_result=False)(*args, **kwargs)


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


def _options() -> dict[str, Any]:
    return {
        "step": prefect_step,
        "observers": [artifacts.publish],
        "run_id": str(flow_run.get_id()),
    }


@flow(name="weather-daily", log_prints=False)
def weather_daily(day: date | None = None, stations: list[int] | None = None) -> dict[str, Any]:
    """ASOS weather of ``day`` (default: yesterday KST), imputed and loaded."""
    return run_weather(_run_settings(), day, stations=stations, **_options()).as_dict()


@flow(name="wind-monthly", log_prints=False)
def wind_monthly(month: date | None = None) -> dict[str, Any]:
    """Namdong wind of ``month``'s month (default: the previous month KST)."""
    return run_wind(_run_settings(), month, **_options()).as_dict()


@flow(name="pv-backfill", log_prints=False)
def pv_backfill(
    start: date | None = None,
    end: date | None = None,
    days_back: int = DEFAULT_DAYS_BACK,
    units: list[tuple[str, int]] | None = None,
    only_missing: bool = True,
) -> dict[str, Any]:
    """Nambu PV days with < 24 hours stored in ``start``..``end`` (default: the last ``days_back`` days)."""
    summary = run_pv(
        _run_settings(),
        start,
        end,
        units=units,
        days_back=days_back,
        only_missing=only_missing,
        **_options(),
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
    plan = plan_main_job(_run_settings())
    states: list[tuple[str, State[Any]]] = []
    for day in plan.weather_days:
        states.append((f"weather {day}", weather_daily(day, return_state=True)))
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


@flow(name="energy-backfill", log_prints=False)
def backfill(
    source: str, start: date, end: date, only_missing: bool = True
) -> list[dict[str, Any]]:
    """Backfill one source: a subflow per day (weather), per month (wind), one for the range (pv)."""
    states: list[tuple[str, State[Any]]] = []
    for period in backfill_periods(source, start, end):
        if source == "weather":
            states.append((f"weather {period}", weather_daily(period, return_state=True)))
        elif source == "wind":
            states.append((f"wind {period:%Y-%m}", wind_monthly(period, return_state=True)))
        else:
            states.append(
                (
                    f"pv {start}..{end}",
                    pv_backfill(start, end, only_missing=only_missing, return_state=True),
                )
            )
    return _gather(states)
