"""Nambu PV backfill: find the (plant, unit, day)s with fewer than 24 hourly values stored, fetch only those.

The units come from ``pipeline/reference/nambu_pv_units.csv`` (31 pairs).
Default range: the 7 days ending yesterday (KST), so a daily run also repairs
days the API published late.

Requests: the wanted unit-days are covered by range queries (up to a year
each), either of every unit at once or of one unit each, whichever needs
fewer requests (:func:`sources.pv_plan.plan_pv_queries`). A year of all 31
units is about 114 requests at 100 records a page, against 11,315 when each
unit-day is its own query. The answers hold days and units that were not
wanted (complete ones, and the day after each range, asked because of the
API's "next day" quirk); only the wanted unit-days are loaded.

Each loaded (plant, unit, day) is replaced in its own transaction, so a
re-run is idempotent and a day is never half old, half new. A unit-day the
API has no data for stays incomplete and the next run asks again. When the
day's request budget runs out, the queries that finished are loaded and the
run stops (status ``stopped``); running it again fetches only what is still
incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from foundations.errors import EnergyError, PortalError, TransformInputError
from pipeline import listeners, logs
from pipeline.dates import days_between, last_days
from pipeline.drift import check_drift
from pipeline.fetching import Fetched, PartialRunError, fetch_each
from pipeline.reference import pv_units
from pipeline.retry_hint import retry_command
from pipeline.runtime import FlowContext, execute, note_observations
from pipeline.summary import FlowSummary
from registry import Settings
from sources import PV, NoDataError, Sources
from sources.errors import BudgetExhaustedError
from sources.pv_plan import PvQuery, plan_pv_queries, total_requests

FLOW = "pv_backfill"
#: The scheduled run's range: the last week.
DEFAULT_DAYS_BACK = 7

UnitDay = tuple[str, int, date]


def run_pv(
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    *,
    units: Sequence[tuple[str, int]] | None = None,
    days_back: int = DEFAULT_DAYS_BACK,
    only_missing: bool = True,
    **options: Any,
) -> FlowSummary:
    """Backfill ``start``..``end`` (default: the ``days_back`` days ending yesterday, KST).

    ``only_missing=False`` refetches every day of the range (a forced reload).
    """
    if start is None or end is None:
        default_start, default_end = last_days(days_back)
        start, end = start or default_start, end or default_end
    if end < start:
        raise ValueError(f"the end date {end} is before the start date {start}")
    chosen = [(str(g), int(h)) for g, h in (units or pv_units())]
    period = f"{start.isoformat()}..{end.isoformat()}"
    return execute(
        FLOW,
        PV,
        period,
        settings,
        lambda ctx: _pv(ctx, start, end, chosen, only_missing),
        **options,
    )


def plan_queries(settings: Settings, wanted: Sequence[UnitDay]) -> list[PvQuery]:
    """The range queries that cover ``wanted`` with the fewest requests.

    An all-units answer holds every unit the service publishes, which is the
    reference list's length, whatever subset this run wants.
    """
    return plan_pv_queries(
        wanted, units_in_answer=len(pv_units()), page_size=settings.sources.pv.page_size
    )


def _pv(
    ctx: FlowContext, start: date, end: date, units: list[tuple[str, int]], only_missing: bool
) -> None:
    summary = ctx.summary
    in_range = len(units) * ((end - start).days + 1)
    wanted = ctx.step("find-missing", find_missing, ctx, units, start, end, only_missing)
    queries = plan_queries(ctx.settings, wanted)
    summary.details.update(
        units=len(units),
        unit_days_in_range=in_range,
        unit_days_wanted=len(wanted),
        queries=len(queries),
        requests_planned=total_requests(queries),
    )
    logs.info(
        "pv.plan",
        period=summary.period,
        unit_days=in_range,
        to_fetch=len(wanted),
        requests=total_requests(queries),
    )
    if not wanted:
        return

    got = ctx.step("fetch-pv", collect, ctx, queries)
    retry = per_unit_queries(ctx, got, wanted)
    if retry:
        logs.warning("pv.refetch_per_unit", failed=len(got.failures), queries=len(retry))
        got = got.merged(ctx.step("refetch-per-unit", collect, ctx, retry))
    failed = {describe_query(q): f"{type(e).__name__}: {e}" for q, e in got.failures.items()}
    summary.bodies = len(got.bodies)
    summary.details["dropped_invalid"] = got.dropped
    if failed:
        summary.details["failed_units"] = failed
    if got.frames:
        summary.drift_warnings += ctx.step("check-drift", check_drift, ctx.storage, PV, got.bodies)
        frame = pd.concat(got.frames, ignore_index=True)
        frame = ctx.step("keep-wanted", keep_wanted, ctx, frame, wanted)
        summary.rows_fetched = len(frame)
        if len(frame):
            ctx.step("load", load, ctx, frame)
    _report_missing(summary, wanted)
    # Everything that arrived is stored; then a spent budget stops the caller,
    # and failed queries fail the run, naming them and how to retry.
    if got.budget_stop is not None:
        raise got.budget_stop
    if failed:
        raise PartialRunError(PV, failed, retry_command("pv", start, end))


@dataclass
class Collected:
    """Parsed answers of a set of queries, and what failed (fetching or reading)."""

    frames: list[pd.DataFrame] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    failures: dict[PvQuery, EnergyError] = field(default_factory=dict)
    dropped: int = 0
    budget_stop: BudgetExhaustedError | None = None

    def merged(self, retried: Collected) -> Collected:
        """This collection with ``retried`` (per-unit queries for its failed all-units ones)."""
        return Collected(
            frames=self.frames + retried.frames,
            bodies=self.bodies + retried.bodies,
            failures={
                **{q: e for q, e in self.failures.items() if q.unit is not None},
                **retried.failures,
            },
            dropped=self.dropped + retried.dropped,
            budget_stop=self.budget_stop or retried.budget_stop,
        )


def collect(ctx: FlowContext, queries: list[PvQuery]) -> Collected:
    """Fetch every query (concurrently) and run T4 once on its pages (a batch); a query fails alone."""
    fetched = fetch_queries(ctx, queries)
    out = Collected(failures=dict(fetched.failures), budget_stop=fetched.budget_stop)
    for query, bodies in fetched.results.items():
        try:
            parsed = ctx.call("pv_to_long", bodies)
        except (TransformInputError, PortalError) as exc:
            out.failures[query] = exc
            continue
        out.frames.append(parsed.frame)
        out.bodies += bodies
        out.dropped += int(parsed.report.get("dropped_invalid", 0))
    return out


def per_unit_queries(ctx: FlowContext, got: Collected, wanted: Sequence[UnitDay]) -> list[PvQuery]:
    """One-unit queries for the wanted unit-days of the all-units queries that failed.

    One unit's broken record can spoil an answer that holds every unit; asked
    alone, the other units load and only the broken unit stays failed. This
    costs more requests, so it is done only after an all-units query failed,
    and not once the budget is spent.
    """
    failed = [q for q in got.failures if q.unit is None]
    if not failed or got.budget_stop is not None:
        return []
    again = [w for w in wanted if any(q.start <= w[2] <= q.end for q in failed)]
    units = sorted({(g, h) for g, h, _ in again})
    return [
        q for unit in units for q in plan_queries(ctx.settings, [w for w in again if w[:2] == unit])
    ]


def describe_query(query: PvQuery) -> str:
    """A query as the summary names it: which units, which days."""
    who = "all units" if query.unit is None else f"unit {query.unit[0]}/{query.unit[1]}"
    return f"{who} {query.start}..{query.end}"


def find_missing(
    ctx: FlowContext, units: list[tuple[str, int]], start: date, end: date, only_missing: bool
) -> list[UnitDay]:
    """The unit-days to fetch: those with < 24 hours of values stored, or all of them.

    An hour stored as NULL (the API sent it blank) does not count: T4 keeps a
    missing value missing instead of writing 0, so a day published late with
    blanks is fetched again by the next run until its values arrive.
    """
    if only_missing:
        return ctx.storage.pv_incomplete_days(units, start, end, require_value=True)
    return [(g, h, d) for g, h in units for d in days_between(start, end)]


def fetch_queries(ctx: FlowContext, queries: list[PvQuery]) -> Fetched[PvQuery, list[bytes]]:
    """Every query's pages at once (the client bounds concurrency and rate); ``[]``: no data."""
    label = f"pv {ctx.summary.period}"
    listeners.emit("progress_started", label, len(queries))

    async def work(sources: Sources) -> Fetched[PvQuery, list[bytes]]:
        async def one(query: PvQuery) -> list[bytes]:
            try:
                return await sources.pv.fetch_range(query.start, query.end, query.unit)
            except NoDataError:
                return []

        return await fetch_each(
            queries, one, on_done=lambda: listeners.emit("progress_advanced", label, 1)
        )

    return ctx.fetch(work)


def keep_wanted(ctx: FlowContext, frame: pd.DataFrame, wanted: Sequence[UnitDay]) -> pd.DataFrame:
    """Only the rows of the wanted unit-days: complete days, other units and the "next day" stay as stored."""
    keys = pd.MultiIndex.from_tuples(
        [(g, h, pd.Timestamp(d)) for g, h, d in wanted], names=["gencd", "hogi", "day"]
    )
    rows = pd.MultiIndex.from_arrays(
        [
            frame["gencd"].astype(str),
            frame["hogi"].astype("int64"),
            frame["datetime"].dt.normalize(),
        ]
    )
    kept = frame.loc[rows.isin(keys)].reset_index(drop=True)
    ctx.summary.details["rows_not_wanted"] = len(frame) - len(kept)
    return kept


def load(ctx: FlowContext, frame: pd.DataFrame) -> None:
    """Merge each fetched (plant, unit, day) in its own transaction (stored observations kept)."""
    loaded = ctx.storage.replace_pv_days(frame, run_id=ctx.summary.run_id)
    ctx.summary.rows_loaded = loaded.rows
    ctx.summary.details["days_replaced"] = len(loaded.days)
    ctx.summary.details["duplicates"] = loaded.duplicates
    note_observations(ctx.summary, loaded.revisions, loaded.kept)


def _report_missing(summary: FlowSummary, wanted: Sequence[UnitDay]) -> None:
    """Count the wanted unit-days the answers did not hold (they stay incomplete)."""
    loaded = int(summary.details.get("days_replaced", 0))
    missing = len(wanted) - loaded
    summary.details["unit_days_without_data"] = missing
    if missing:
        logs.warning("pv.no_data", unit_days=missing, period=summary.period)
