"""Backfills: what a range needs (requests, days of budget), and running it until done or out of budget.

A backfill is a list of steps, each one flow run, chosen so that the APIs are
used the way their quotas allow:

* weather: chunks of ``[sources.asos] page_size // 24`` days (41 at 999
  records a page), so each station's part of a chunk is one ASOS range query
  of one page: a 10-year backfill of 43 stations is about 3,800 requests,
  where one query per station-day needed 157,000;
* wind: one step per month, one range query per month paged until an empty
  page;
* pv: one step for the whole range, whose range queries
  (:mod:`sources.pv_plan`) cover every incomplete unit-day.

With ``only_missing`` (the default) a step asks only for what the database
does not hold completely: a weather station-day with fewer than 24 rows, a
wind day missing a unit's hours, a PV unit-day with fewer than 24 hourly
values. That is what makes a backfill resumable: running the same command
again fetches nothing that is already complete.

:func:`plan_backfill` counts the requests without sending any (``energy
backfill --plan``). :func:`run_backfill` runs the steps in date order; when
the day's request budget runs out (:class:`sources.errors.BudgetExhaustedError`)
the step that hit it loads what it fetched, and the backfill stops cleanly
with a :class:`BudgetStop` that says where it stopped and how to continue.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from foundations.errors import EnergyError
from pipeline.dates import days_between, month_bounds, months_between
from pipeline.jobs import FlowRun, run_in_order
from pipeline.pv import plan_queries, run_pv
from pipeline.reference import pv_units
from pipeline.request_budget import DatabaseLedger
from pipeline.summary import FlowSummary
from pipeline.weather import run_weather
from pipeline.wind import run_wind
from registry import Settings
from sources.errors import BudgetExhaustedError
from sources.kma_asos import asos_request_count
from sources.namdong_wind import wind_request_estimate
from sources.pv_plan import total_requests
from storage.facade import Storage, open_storage

BACKFILL_SOURCES: tuple[str, ...] = ("weather", "wind", "pv")
#: The API (and budget) each backfill source draws on.
API_OF: dict[str, str] = {"weather": "asos", "wind": "wind", "pv": "pv"}
#: Wind units seen in the API's answers (영흥풍력 1-2, 군위 화산풍력 1,
#: 삼천포풍력 1, 어음풍력 1): the records per day a month's pages hold.
WIND_UNITS = 5
HOURS_PER_DAY = 24


@dataclass(frozen=True)
class BackfillStep:
    """One flow run of a backfill and the requests it is expected to send."""

    label: str
    start: date
    end: date
    requests: int


@dataclass(frozen=True)
class BackfillPlan:
    """The steps of a backfill and what they cost against the daily budget."""

    source: str
    start: date
    end: date
    only_missing: bool
    steps: tuple[BackfillStep, ...]
    budget: int
    spent_today: int

    @property
    def api(self) -> str:
        return API_OF[self.source]

    @property
    def requests(self) -> int:
        return sum(step.requests for step in self.steps)

    @property
    def budget_days(self) -> int | None:
        """Days of full budget the requests need (``None`` with a zero budget)."""
        if self.budget == 0:
            return None if self.requests else 0
        return math.ceil(self.requests / self.budget)

    @property
    def remaining_today(self) -> int:
        return max(0, self.budget - self.spent_today)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "api": self.api,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "only_missing": self.only_missing,
            "steps": len(self.steps),
            "requests": self.requests,
            "daily_request_budget": self.budget,
            "spent_today": self.spent_today,
            "remaining_today": self.remaining_today,
            "budget_days": self.budget_days,
            "first_step": self.steps[0].label if self.steps else None,
        }


@dataclass(frozen=True)
class BudgetStop:
    """Where a backfill stopped because the day's budget was spent."""

    source: str
    error: BudgetExhaustedError
    #: The step that hit the budget (it loaded what it had fetched) and the ones not started.
    remaining: tuple[BackfillStep, ...]

    def describe(self) -> str:
        first = self.remaining[0]
        return (
            f"{self.source} backfill stopped at {first.label} ({len(self.remaining)} step(s) "
            f"left): {self.error}. Everything fetched before the stop is loaded; running the "
            f"same backfill again resumes at {first.start} and fetches only what the database "
            "does not yet hold completely"
        )


class BackfillStopped(EnergyError):
    """A backfill stopped cleanly because the day's request budget was spent (resumable)."""

    def __init__(self, stop: BudgetStop) -> None:
        self.stop = stop
        super().__init__(stop.describe())


@dataclass
class BackfillResult:
    """What a backfill did: the plan, each step's summary, and the budget stop if there was one."""

    plan: BackfillPlan
    summaries: list[FlowSummary] = field(default_factory=list)
    stop: BudgetStop | None = None


def check_request(source: str, start: date, end: date) -> None:
    """A clear error for an unknown source or a reversed range (before anything is opened)."""
    if source not in BACKFILL_SOURCES:
        raise EnergyError(
            f"unknown backfill source {source!r}; valid sources: {', '.join(BACKFILL_SOURCES)}"
        )
    if end < start:
        raise EnergyError(f"the end date {end} is before the start date {start}")


def weather_chunk_days(settings: Settings) -> int:
    """Days per weather step: as many whole days as one ASOS page holds (41 at 999 records)."""
    return max(1, settings.sources.asos.page_size // HOURS_PER_DAY)


def _chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    chunks = []
    first = start
    while first <= end:
        last = min(end, first + timedelta(days=days - 1))
        chunks.append((first, last))
        first = last + timedelta(days=1)
    return chunks


def _weather_steps(
    settings: Settings,
    storage: Storage,
    start: date,
    end: date,
    only_missing: bool,
    stations: Sequence[int],
) -> list[BackfillStep]:
    page = settings.sources.asos.page_size
    steps = []
    for first, last in _chunks(start, end, weather_chunk_days(settings)):
        if only_missing:
            incomplete = storage.weather_incomplete_days(list(stations), first, last)
            spans = [(min(days), max(days)) for days in incomplete.values() if days]
        else:
            spans = [(first, last)] * len(stations)
        requests = sum(asos_request_count(a, b, page) for a, b in spans)
        if requests:
            steps.append(BackfillStep(f"weather {first}..{last}", first, last, requests))
    return steps


def _wind_steps(
    settings: Settings, storage: Storage, start: date, end: date, only_missing: bool
) -> list[BackfillStep]:
    steps = []
    for month in months_between(start, end):
        first, last = month_bounds(month)
        if only_missing and not storage.wind_incomplete_days(first, last):
            continue
        days = (last - first).days + 1
        requests = wind_request_estimate(days, WIND_UNITS, settings.sources.wind.page_size)
        steps.append(BackfillStep(f"wind {first:%Y-%m}", first, last, requests))
    return steps


def _pv_steps(
    settings: Settings,
    storage: Storage,
    start: date,
    end: date,
    only_missing: bool,
    units: Sequence[tuple[str, int]],
) -> list[BackfillStep]:
    if only_missing:
        wanted = storage.pv_incomplete_days(units, start, end, require_value=True)
    else:
        wanted = [(g, h, d) for g, h in units for d in days_between(start, end)]
    requests = total_requests(plan_queries(settings, wanted))
    return [BackfillStep(f"pv {start}..{end}", start, end, requests)] if requests else []


def plan_backfill(
    settings: Settings,
    source: str,
    start: date,
    end: date,
    *,
    only_missing: bool = True,
    units: Sequence[tuple[str, int]] | None = None,
    stations: Sequence[int] | None = None,
    storage: Storage | None = None,
) -> BackfillPlan:
    """The steps of a backfill of ``source`` over ``start..end`` and their requests; nothing is fetched."""
    check_request(source, start, end)
    owned = storage is None
    db = storage or open_storage(settings)
    try:
        if source == "weather":
            chosen = stations or settings.pipeline.asos_station_ids
            steps = _weather_steps(settings, db, start, end, only_missing, chosen)
        elif source == "wind":
            steps = _wind_steps(settings, db, start, end, only_missing)
        else:
            steps = _pv_steps(settings, db, start, end, only_missing, units or pv_units())
        ledger = DatabaseLedger(db, settings)
        api = API_OF[source]
        return BackfillPlan(
            source=source,
            start=start,
            end=end,
            only_missing=only_missing,
            steps=tuple(steps),
            budget=ledger.budget(api),
            spent_today=ledger.budget(api) - ledger.remaining(api),
        )
    finally:
        if owned:
            db.close()


def step_runner(
    settings: Settings,
    plan: BackfillPlan,
    step: BackfillStep,
    *,
    units: Sequence[tuple[str, int]] | None = None,
    stations: Sequence[int] | None = None,
    **options: Any,
) -> Callable[[], FlowSummary]:
    """The flow run of one step, as a plain function."""
    only_missing = plan.only_missing
    if plan.source == "weather":
        return lambda: run_weather(
            settings,
            step.start,
            step.end,
            stations=list(stations) if stations else None,
            only_missing=only_missing,
            **options,
        )
    if plan.source == "wind":
        return lambda: run_wind(settings, step.start, only_missing=only_missing, **options)
    return lambda: run_pv(
        settings, step.start, step.end, units=units, only_missing=only_missing, **options
    )


def run_backfill(
    settings: Settings,
    source: str,
    start: date,
    end: date,
    *,
    units: Sequence[tuple[str, int]] | None = None,
    stations: Sequence[int] | None = None,
    only_missing: bool = True,
    **options: Any,
) -> BackfillResult:
    """Run the steps of :func:`plan_backfill` as plain functions, in date order.

    Stops at the first step whose requests ran out of budget (that step
    loads what it fetched) and raises :class:`BackfillStopped`. A fatal
    portal error (:func:`pipeline.fetching.is_fatal`) stops the backfill
    at once and propagates. A step that fails otherwise does not stop the
    others; :class:`pipeline.jobs.JobFailed` names the failures at the end.
    """
    plan = plan_backfill(
        settings, source, start, end, only_missing=only_missing, units=units, stations=stations
    )
    result = BackfillResult(plan)
    done = run_in_order(
        [
            FlowRun(
                step.label,
                step_runner(settings, plan, step, units=units, stations=stations, **options),
            )
            for step in plan.steps
        ],
        stop_at_budget=True,
    )
    result.summaries = done.summaries
    if done.budget_stop is not None:
        index, exc = done.budget_stop
        result.stop = BudgetStop(source, exc, plan.steps[index:])
    if result.stop is not None:
        raise BackfillStopped(result.stop)
    return result
