"""Nambu PV backfill: find the (plant, unit, day)s with fewer than 24 hourly values stored, fetch only those.

The units come from ``prefect_flows/reference/nambu_pv_units.csv`` (31 pairs).
Default range: the 7 days ending yesterday (KST), so a daily run also repairs
days the API published late. Each fetched day is replaced in its own
transaction, so a re-run is idempotent and a day is never half old, half new.
A day the API has no data for is counted, not an error: it stays incomplete
and the next run asks again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from prefect_flows import listeners, logs
from prefect_flows.dates import days_between, last_days
from prefect_flows.drift import check_drift
from prefect_flows.reference import pv_units
from prefect_flows.runtime import FlowContext, execute
from prefect_flows.summary import FlowSummary
from registry import Settings
from sources import PV, PvDay, Sources, fetch_pv_days

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


def _pv(
    ctx: FlowContext, start: date, end: date, units: list[tuple[str, int]], only_missing: bool
) -> None:
    summary = ctx.summary
    in_range = len(units) * ((end - start).days + 1)
    wanted = ctx.step("find-missing", find_missing, ctx, units, start, end, only_missing)
    summary.details.update(
        units=len(units), unit_days_in_range=in_range, unit_days_fetched=len(wanted)
    )
    logs.info("pv.plan", period=summary.period, unit_days=in_range, to_fetch=len(wanted))
    if not wanted:
        return

    fetched = ctx.step("fetch-pv", fetch_days, ctx, wanted)
    no_data = [d for d in fetched if d.body is None]
    bodies = [d.body for d in fetched if d.body is not None]
    summary.bodies = len(bodies)
    summary.details["unit_days_without_data"] = len(no_data)
    if no_data:
        logs.warning(
            "pv.no_data",
            unit_days=len(no_data),
            first=[f"{d.gencd}/{d.hogi}/{d.day}" for d in no_data[:10]],
        )
    if not bodies:
        return

    summary.drift_warnings += ctx.step("check-drift", check_drift, ctx.storage, PV, bodies)
    frame = ctx.step("parse", parse, ctx, bodies)
    summary.rows_fetched = len(frame)
    ctx.step("load", load, ctx, frame)


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


def fetch_days(ctx: FlowContext, wanted: list[UnitDay]) -> list[PvDay]:
    """Every wanted unit-day at once (the sources bound concurrency and rate); ``body=None``: no data."""
    label = f"pv {ctx.summary.period}"
    listeners.emit("progress_started", label, len(wanted))

    async def work(sources: Sources) -> list[PvDay]:
        # Any error but "no data" (a bad key, an exhausted retry) would fail
        # every other day the same way: the first one stops the backfill.
        return await fetch_pv_days(
            sources.pv, wanted, on_done=lambda: listeners.emit("progress_advanced", label, 1)
        )

    return ctx.fetch(work)


def parse(ctx: FlowContext, bodies: list[bytes]) -> pd.DataFrame:
    """T4 per body, concatenated; dropped items are counted in the summary."""
    frames = []
    dropped = 0
    for body in bodies:
        out = ctx.call("pv_to_long", body)
        frames.append(out.frame)
        dropped += int(out.report.get("dropped_invalid", 0))
    ctx.summary.details["dropped_invalid"] = dropped
    return pd.concat(frames, ignore_index=True)


def load(ctx: FlowContext, frame: pd.DataFrame) -> None:
    """Replace each fetched (plant, unit, day) in its own transaction."""
    loaded = ctx.storage.replace_pv_days(frame)
    ctx.summary.rows_loaded = loaded.rows
    ctx.summary.details["days_replaced"] = len(loaded.days)
    ctx.summary.details["duplicates"] = loaded.duplicates
