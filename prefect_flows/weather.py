"""Daily ASOS weather: fetch the stations' day, parse (T5), impute (T2) with history, load.

Default day: yesterday in Korea (the legacy 09:00 KST job collected the day
before). Each stored value keeps the fill method that produced it, and the
history read back for T2's climatology holds observed values only, so a fill
never becomes evidence for a later fill.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from prefect_flows import listeners, logs
from prefect_flows.dates import yesterday_kst
from prefect_flows.drift import check_drift
from prefect_flows.runtime import FlowContext, execute
from prefect_flows.summary import FlowSummary
from registry import ImputeOptions, Settings, TransformOutput
from sources import ASOS, NoDataError, Sources
from sources.concurrency import gather_all

FLOW = "weather_daily"


def run_weather(
    settings: Settings,
    day: date | None = None,
    *,
    stations: list[int] | None = None,
    **options: Any,
) -> FlowSummary:
    """Collect ``day`` (default: yesterday KST) for ``stations`` (default: the configured ones).

    ``options`` go to :func:`prefect_flows.runtime.execute` (step runner,
    sources factory, storage, observers, run id).
    """
    day = day or yesterday_kst()
    station_ids = list(stations or settings.pipeline.asos_station_ids)
    return execute(
        FLOW,
        ASOS,
        day.isoformat(),
        settings,
        lambda ctx: _weather(ctx, day, station_ids),
        **options,
    )


def _weather(ctx: FlowContext, day: date, stations: list[int]) -> None:
    summary = ctx.summary
    columns = list(ctx.settings.pipeline.impute_columns)
    summary.details["stations"] = len(stations)

    pages = ctx.step("fetch-asos", fetch_day, ctx, stations, day)
    missing = [stn for stn, got in zip(stations, pages, strict=True) if got is None]
    bodies = [body for got in pages if got for body in got]
    summary.bodies = len(bodies)
    summary.details["stations_without_data"] = missing
    if missing:
        logs.warning("weather.no_data", day=str(day), stations=missing)
    if not bodies:
        raise NoDataError(
            "03", f"no ASOS data for any of the {len(stations)} stations on {day}", source=ASOS
        )

    summary.drift_warnings += ctx.step(
        "check-drift", check_drift, ctx.storage, ASOS, bodies, extra_required=columns
    )
    frame = ctx.step("parse", parse, ctx, bodies, columns)
    summary.rows_fetched = len(frame)
    history = ctx.step("read-history", read_history, ctx, stations, day)
    summary.details["history_rows"] = 0 if history is None else len(history)
    imputed = ctx.step("impute", impute, ctx, frame, history, columns)
    _count_fills(summary, imputed.report)
    ctx.step("load", load, ctx, imputed)


def fetch_day(ctx: FlowContext, stations: list[int], day: date) -> list[list[bytes] | None]:
    """Each station's pages for ``day`` (``None``: no data), fetched concurrently.

    The sources bound how many requests are in flight and how fast they start.
    """
    listeners.emit("progress_started", f"weather {day}", len(stations))

    async def work(sources: Sources) -> list[list[bytes] | None]:
        async def one(station: int) -> list[bytes] | None:
            try:
                return await sources.asos.fetch(station, day)
            except NoDataError:
                return None
            finally:
                listeners.emit("progress_advanced", f"weather {day}", 1)

        return await gather_all(one(station) for station in stations)

    return ctx.fetch(work)


def parse(ctx: FlowContext, bodies: list[bytes], columns: list[str]) -> pd.DataFrame:
    """T5 on each body, concatenated in body order."""
    frames = [ctx.call("asos_to_frame", body, fields=columns).frame for body in bodies]
    return pd.concat(frames, ignore_index=True)


def read_history(ctx: FlowContext, stations: list[int], day: date) -> pd.DataFrame | None:
    """Observed values of the ``history_days`` before ``day`` (the day itself excluded).

    Excluding the day keeps a re-run identical to the first run: the day's own
    stored rows must not become extra climatology evidence for themselves.
    """
    days = ctx.settings.pipeline.history_days
    if days == 0:
        return None
    end = datetime(day.year, day.month, day.day)
    history = ctx.storage.read_weather_history(stations, end - timedelta(days=days), end)
    return history if len(history) else None


def impute(
    ctx: FlowContext, frame: pd.DataFrame, history: pd.DataFrame | None, columns: list[str]
) -> TransformOutput:
    """T2 with per-row method codes, so the load stores each value's provenance."""
    options = ImputeOptions(
        columns=tuple(columns),
        max_spline_gap=ctx.settings.pipeline.max_spline_gap,
        with_methods=True,
    )
    return ctx.call("impute_missing_values", frame, options, history)


def load(ctx: FlowContext, imputed: TransformOutput) -> None:
    """Upsert on (station, time), each value with its fill method."""
    loaded = ctx.storage.load_weather(imputed.frame, imputed.methods or {})
    ctx.summary.rows_loaded = loaded.rows
    ctx.summary.details["duplicates"] = loaded.duplicates


def _count_fills(summary: FlowSummary, report: dict[str, Any]) -> None:
    """Rows filled per method and left unfilled, per column, summed over stations."""
    for column, stations in report.items():
        methods: dict[str, int] = {}
        unfilled = 0
        for station_report in stations.values():
            for method, rows in station_report.get("methods", {}).items():
                methods[method] = methods.get(method, 0) + int(rows)
            unfilled += int(station_report.get("unfilled", 0))
        summary.filled[column] = dict(sorted(methods.items()))
        summary.unfilled[column] = unfilled
