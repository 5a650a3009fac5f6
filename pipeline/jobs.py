"""The main job (all three flows) and backfills: what to run, and running it without Prefect.

:func:`plan_main_job` decides the periods: in replay mode (the embedded
default) the days, months and PV units the bundled samples cover; live, the
scheduled defaults (yesterday, the previous month, the last 7 days). The
Prefect flows in :mod:`prefect_flows.flows` run the same plan as subflows;
:func:`run_main_job` runs it as plain functions. Backfills are in
:mod:`pipeline.backfill`.

One failing flow does not stop the others: each run is logged and notified on
its own, and :class:`JobFailed` is raised at the end naming the failures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from foundations.errors import EnergyError
from pipeline.dates import (
    days_between,
    last_days,
    months_between,
    previous_month,
    yesterday_kst,
)
from pipeline.fetching import is_fatal
from pipeline.pv import DEFAULT_DAYS_BACK, run_pv
from pipeline.summary import FlowSummary
from pipeline.weather import run_weather
from pipeline.wind import run_wind
from registry import Settings
from sources.errors import BudgetExhaustedError
from sources.replay import Catalog


class JobFailed(EnergyError):
    """One or more flows of a job failed; each failure is in the run log with its error."""

    def __init__(self, failures: list[str]) -> None:
        self.failures = failures
        super().__init__(f"{len(failures)} flow run(s) failed: " + "; ".join(failures))


@dataclass(frozen=True)
class JobPlan:
    """The periods one main job covers."""

    weather_days: tuple[date, ...]
    wind_months: tuple[date, ...]
    pv_start: date
    pv_end: date
    #: ``None``: every unit of the reference list.
    pv_units: tuple[tuple[str, int], ...] | None
    origin: str

    def describe(self) -> str:
        days = ", ".join(d.isoformat() for d in self.weather_days)
        months = ", ".join(m.strftime("%Y-%m") for m in self.wind_months)
        units = "all reference units" if self.pv_units is None else f"{len(self.pv_units)} units"
        return (
            f"{self.origin}: weather {days}; wind {months}; "
            f"pv {self.pv_start}..{self.pv_end} ({units})"
        )


def plan_main_job(settings: Settings) -> JobPlan:
    """The periods of ``energy run`` for ``settings`` (see the module doc)."""
    if settings.sources.mode == "replay":
        catalog = Catalog.load(settings.sources.samples_dir)
        start, end = catalog.window
        return JobPlan(
            weather_days=tuple(days_between(start, end)),
            wind_months=tuple(months_between(start, end)),
            pv_start=start,
            pv_end=end,
            pv_units=tuple(catalog.pv_units),
            origin="the bundled samples",
        )
    pv_start, pv_end = last_days(DEFAULT_DAYS_BACK)
    return JobPlan(
        weather_days=(yesterday_kst(),),
        wind_months=(previous_month(),),
        pv_start=pv_start,
        pv_end=pv_end,
        pv_units=None,
        origin="the scheduled defaults",
    )


@dataclass(frozen=True)
class FlowRun:
    """One flow run of a job (main job or backfill step), named for the failure list."""

    label: str
    run: Callable[[], FlowSummary]


@dataclass
class FlowRuns:
    """What :func:`run_in_order` did: the summaries, and where the budget stopped it."""

    summaries: list[FlowSummary]
    #: Index of the run whose requests ran out of budget (it loaded what it
    #: fetched), and the error; None when every run went through.
    budget_stop: tuple[int, BudgetExhaustedError] | None = None


def run_in_order(runs: Sequence[FlowRun], *, stop_at_budget: bool = False) -> FlowRuns:
    """Run each flow; one failing does not stop the others, a fatal refusal stops all.

    The three APIs share one key: a key, permission or quota refusal
    (:func:`pipeline.fetching.is_fatal`) would fail every later run the same
    way, so it propagates at once. With ``stop_at_budget`` (a backfill, whose
    steps all ask the same source), a run that exhausted the daily request
    budget ends the sequence. Other failures are collected and raised together
    as :class:`JobFailed` after the last run.
    """
    done = FlowRuns(summaries=[])
    failures: list[str] = []
    for index, run in enumerate(runs):
        try:
            done.summaries.append(run.run())
        except BudgetExhaustedError as exc:
            if not stop_at_budget:
                failures.append(f"{run.label}: {exc}")
                continue
            done.budget_stop = (index, exc)
            break
        except Exception as exc:
            if is_fatal(exc):
                raise
            failures.append(f"{run.label}: {exc}")
    if failures:
        raise JobFailed(failures)
    return done


def run_main_job(
    settings: Settings, plan: JobPlan | None = None, **options: Any
) -> list[FlowSummary]:
    """Every flow of ``plan`` (default: :func:`plan_main_job`) as plain functions."""
    plan = plan or plan_main_job(settings)
    runs = [
        FlowRun(f"weather {d}", partial(run_weather, settings, d, d, **options))
        for d in plan.weather_days
    ]
    runs += [
        FlowRun(f"wind {m:%Y-%m}", partial(run_wind, settings, m, **options))
        for m in plan.wind_months
    ]
    runs.append(
        FlowRun(
            f"pv {plan.pv_start}..{plan.pv_end}",
            partial(run_pv, settings, plan.pv_start, plan.pv_end, units=plan.pv_units, **options),
        )
    )
    return run_in_order(runs).summaries
