"""Monthly Namdong wind: fetch the month's pages, T3 once on all of them, upsert.

Default month: the previous one (the legacy job ran on the 10th at 11:00 KST
for the month before). One range query per month, paged until an empty page.
With ``only_missing`` (the default) a month the table already holds completely
(:meth:`storage.facade.Storage.wind_incomplete_days`) is not asked again, so
a re-run or a resumed backfill spends no request on it. Hour labels follow ``settings.pipeline.wind_hour_label``
("end": interval start, the standard; "legacy": the old loader's mapping).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from pipeline import listeners, logs
from pipeline.dates import month_bounds, previous_month
from pipeline.drift import check_drift
from pipeline.runtime import FlowContext, execute, note_observations
from pipeline.summary import FlowSummary
from registry import Settings
from sources import WIND, NoDataError, Sources

FLOW = "wind_monthly"
#: T3 report counts (over all the month's pages).
_REPORT_COUNTS = ("records", "dropped_bad_date", "duplicates")


def run_wind(
    settings: Settings, month: date | None = None, *, only_missing: bool = True, **options: Any
) -> FlowSummary:
    """Collect the month of ``month`` (any day of it; default: the previous month, KST)."""
    first, last = month_bounds(month or previous_month())
    return execute(
        FLOW,
        WIND,
        first.strftime("%Y-%m"),
        settings,
        lambda ctx: _wind(ctx, first, last, only_missing),
        **options,
    )


def _wind(ctx: FlowContext, first: date, last: date, only_missing: bool) -> None:
    summary = ctx.summary
    if only_missing:
        incomplete = ctx.step("find-missing", find_missing, ctx, first, last)
        summary.details["incomplete_days"] = len(incomplete)
        if not incomplete:
            return
    pages = ctx.step("fetch-wind", fetch_month, ctx, first, last)
    summary.bodies = len(pages)
    if not pages:
        # Code 03 is not a failure in any flow: the month stays incomplete and
        # the next run asks again (PV and weather do the same).
        summary.details["no_data"] = True
        logs.warning("wind.no_data", month=f"{first:%Y-%m}")
        return
    summary.drift_warnings += ctx.step("check-drift", check_drift, ctx.storage, WIND, pages)
    frame = ctx.step("parse", parse, ctx, pages)
    summary.rows_fetched = len(frame)
    ctx.step("load", load, ctx, frame)


def find_missing(ctx: FlowContext, first: date, last: date) -> list[date]:
    """The days of the month the table does not hold completely (every stored unit, 24 hours)."""
    return ctx.storage.wind_incomplete_days(first, last)


def fetch_month(ctx: FlowContext, first: date, last: date) -> list[bytes]:
    """Every page of ``first``..``last``; ``[]`` when the API has no data (code 03)."""
    label = f"wind {first:%Y-%m}"
    listeners.emit("progress_started", label, 1)

    async def work(sources: Sources) -> list[bytes]:
        try:
            return await sources.wind.fetch(first, last)
        except NoDataError:
            return []

    pages = ctx.fetch(work)
    listeners.emit("progress_advanced", label, 1)
    return pages


def parse(ctx: FlowContext, pages: list[bytes]) -> pd.DataFrame:
    """T3 once on the month's pages (a batch): rows sorted and de-duplicated across pages.

    A page T3 refuses fails the month's parse step, naming the page
    (``body {i}``), as the month fails as a whole whichever page it was.
    """
    hour_label = ctx.settings.pipeline.wind_hour_label
    out = ctx.call("wind_to_long", pages, hour_label=hour_label)
    ctx.summary.details.update({key: int(out.report.get(key, 0)) for key in _REPORT_COUNTS})
    ctx.summary.details["hour_label"] = hour_label
    frame: pd.DataFrame = out.frame
    return frame


def load(ctx: FlowContext, frame: pd.DataFrame) -> None:
    """Upsert on (plant, unit, hour): a re-run rewrites the same rows."""
    loaded = ctx.storage.load_wind(frame, run_id=ctx.summary.run_id)
    note_observations(ctx.summary, loaded.revisions, loaded.kept)
    ctx.summary.rows_loaded = loaded.rows
    # T3 already keeps the last of the rows of one hour on two pages; what the
    # store still finds twice in the frame (nothing, today) is counted here.
    ctx.summary.details["duplicates_across_pages"] = loaded.duplicates
