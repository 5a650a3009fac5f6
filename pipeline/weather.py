"""ASOS weather over a range of days: fetch, parse (T5), impute (T2) with stored context, load.

Default range: yesterday in Korea (the legacy 09:00 KST job collected the day
before). One query per station covers the whole range (the source pages at
999 records); with ``only_missing`` a station is asked only for the span from
its first to its last day with fewer than 24 rows stored.

Batch independence (docs/weather_fills.md): short-gap fills (gaps of at most
``max_spline_gap`` hours) and their method codes do not depend on how the days
were batched. T2 runs on the *observed* values stored within
``2 * impute_context_hours`` of the range (fills read back as NaN, so a fill
never feeds a fill), plus the fetched rows; the fills of rows stored earlier
within ``impute_context_hours`` of the range are revised in the same
transaction that stores the new rows (an edge fill at the end of day D becomes
a spline fill once day D+1 arrives). Long-gap fills (climatology and the
means) may still differ between batchings: their evidence is a window of
history, not the gap's neighbours.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from foundations.errors import PortalError, TransformInputError
from foundations.fill_methods import FillMethod
from pipeline import listeners, logs
from pipeline.dates import yesterday_kst
from pipeline.drift import check_drift
from pipeline.fetching import Fetched, PartialRunError, fetch_each
from pipeline.partitions import BackendSelection, impute_by_station
from pipeline.retry_hint import retry_command
from pipeline.runtime import FlowContext, execute, note_observations
from pipeline.summary import FlowSummary
from registry import ImputeOptions, Settings, TransformOutput
from sources import ASOS, NoDataError, Sources

FLOW = "weather_daily"
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def run_weather(
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    *,
    stations: list[int] | None = None,
    only_missing: bool = True,
    **options: Any,
) -> FlowSummary:
    """Collect ``start..end`` (both inclusive) for ``stations`` (default: the configured ones).

    ``start`` defaults to yesterday KST and ``end`` to ``start``, so
    ``run_weather(settings, day)`` collects one day. With ``only_missing``
    (default) a station is fetched only from its first to its last day with
    fewer than 24 rows stored, and not at all if it has none; ``False``
    fetches the whole range for every station. ``options`` go to
    :func:`pipeline.runtime.execute` (step runner, sources factory,
    storage, observers, run id).

    Failures stay local (:mod:`pipeline.fetching`): every station that
    answered is loaded; then :class:`sources.errors.BudgetExhaustedError` is
    raised if the request budget ran out, or
    :class:`pipeline.fetching.PartialRunError` naming the stations that
    failed and the command that retries them. No data at all (code 03) is
    not a failure: the days stay incomplete and the next run asks again.
    """
    start = start or yesterday_kst()
    end = end or start
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    station_ids = list(stations or settings.pipeline.asos_station_ids)
    period = start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"
    return execute(
        FLOW,
        ASOS,
        period,
        settings,
        lambda ctx: _weather(ctx, start, end, station_ids, only_missing),
        **options,
    )


def _weather(
    ctx: FlowContext, start: date, end: date, stations: list[int], only_missing: bool
) -> None:
    summary = ctx.summary
    columns = list(ctx.settings.pipeline.impute_columns)
    summary.details["stations"] = len(stations)
    summary.details["revised_fills"] = 0

    spans = ctx.step("plan-fetch", plan_fetch, ctx, stations, start, end, only_missing)
    summary.details["fetched_spans"] = {str(s): f"{a}..{b}" for s, (a, b) in spans.items()}
    if not spans:
        logs.info("weather.nothing_missing", start=str(start), end=str(end), stations=len(stations))
        return

    fetched = ctx.step("fetch-asos", fetch_ranges, ctx, spans)
    missing = [stn for stn, got in fetched.results.items() if got is None]
    per_station = {stn: got for stn, got in fetched.results.items() if got}
    bodies = [body for got in per_station.values() for body in got]
    summary.bodies = len(bodies)
    summary.details["stations_without_data"] = missing
    if fetched.budget_stop is not None:
        summary.details["stations_over_budget"] = list(fetched.over_budget)
    failed = failures_of(fetched, spans)
    if missing:
        logs.warning("weather.no_data", start=str(start), end=str(end), stations=missing)
    if bodies:
        summary.drift_warnings += ctx.step(
            "check-drift", check_drift, ctx.storage, ASOS, bodies, extra_required=columns
        )
        frame, unreadable = ctx.step("parse", parse, ctx, per_station, columns)
        failed.update(
            {f"station {stn} {spans[stn][0]}..{spans[stn][1]}": e for stn, e in unreadable.items()}
        )
        got = {stn: spans[stn] for stn in per_station if stn not in unreadable}
        if got:
            _impute_and_load(ctx, frame, got, columns)
    if failed:
        summary.details["failed_units"] = failed
    # Everything that arrived is stored. A spent budget stops the caller (a
    # backfill loop resumes once it resets); failed stations fail the run,
    # naming them, after the others were loaded.
    fetched.raise_budget_stop()
    if failed:
        raise PartialRunError(ASOS, failed, retry_command("weather", start, end))


def _impute_and_load(
    ctx: FlowContext, frame: pd.DataFrame, got: dict[int, tuple[date, date]], columns: list[str]
) -> None:
    """T2 on the parsed rows with their stored context and history, then the load."""
    summary = ctx.summary
    summary.rows_fetched = len(frame)
    context = ctx.step("read-context", read_context, ctx, got)
    summary.details["context_rows"] = len(context)
    history = ctx.step("read-history", read_history, ctx, frame, got)
    summary.details["history_rows"] = 0 if history is None else len(history)
    series = combine(frame, context, columns)
    if ctx.partitions is None:
        imputed = ctx.step("impute", impute, ctx, series, history, columns)
    else:
        # The stations' partitions are this stage's tasks. Not wrapped in a
        # stage task of its own: a task submitted from inside a task carries
        # the outer task's parameters along (this context, engines and all).
        imputed = impute(ctx, series, history, columns)
    ctx.step("load", load, ctx, series, imputed, got)


def failures_of(
    fetched: Fetched[int, list[bytes] | None], spans: dict[int, tuple[date, date]]
) -> dict[str, str]:
    """Each failed station as "station N first..last" -> its error."""
    return {
        f"station {stn} {spans[stn][0]}..{spans[stn][1]}": f"{type(error).__name__}: {error}"
        for stn, error in fetched.failures.items()
    }


def plan_fetch(
    ctx: FlowContext, stations: list[int], start: date, end: date, only_missing: bool
) -> dict[int, tuple[date, date]]:
    """The span to ask each station for: all of ``start..end``, or first..last incomplete day."""
    if not only_missing:
        return dict.fromkeys(stations, (start, end))
    incomplete = ctx.storage.weather_incomplete_days(stations, start, end)
    return {stn: (days[0], days[-1]) for stn in stations if (days := incomplete.get(stn))}


def fetch_ranges(
    ctx: FlowContext, spans: dict[int, tuple[date, date]]
) -> Fetched[int, list[bytes] | None]:
    """One query per station for its span, all stations concurrently (``None``: no data, code 03).

    The sources bound how many requests are in flight and how fast they
    start. A station whose fetch fails is a local failure; a fatal portal
    error stops every station at once (:mod:`pipeline.fetching`).
    """
    label = f"weather {min(a for a, _ in spans.values())}..{max(b for _, b in spans.values())}"
    listeners.emit("progress_started", label, len(spans))

    async def work(sources: Sources) -> Fetched[int, list[bytes] | None]:
        async def one(station: int) -> list[bytes] | None:
            first, last = spans[station]
            try:
                return await sources.asos.fetch_range(station, first, last)
            except NoDataError:
                return None

        return await fetch_each(
            list(spans), one, on_done=lambda: listeners.emit("progress_advanced", label, 1)
        )

    return ctx.fetch(work)


def parse(
    ctx: FlowContext, per_station: dict[int, list[bytes]], columns: list[str]
) -> tuple[pd.DataFrame, dict[int, str]]:
    """T5 once per station on the bodies of its range (a batch), in station then body order.

    A station whose bodies T5 refuses (an error body, a malformed one: the
    message names the body) fails alone, like a station whose fetch failed:
    ``(frame of the others, {station: "ErrorType: message"})``.
    """
    frames: list[pd.DataFrame] = []
    unreadable: dict[int, str] = {}
    for station, bodies in per_station.items():
        try:
            frames.append(ctx.call("asos_to_frame", bodies, fields=columns).frame)
        except (TransformInputError, PortalError) as exc:
            unreadable[station] = f"{type(exc).__name__}: {exc}"
    if not frames:
        frames.append(ctx.call("asos_to_frame", [], fields=columns).frame)
    return pd.concat(frames, ignore_index=True), unreadable


def _bounds(span: tuple[date, date]) -> tuple[datetime, datetime]:
    """The half-open hours [first 00:00, day after last 00:00) of a span of days."""
    first, last = span
    lo = datetime(first.year, first.month, first.day)
    return lo, datetime(last.year, last.month, last.day) + _DAY


def _window(ctx: FlowContext, span: tuple[date, date], factor: int) -> tuple[datetime, datetime]:
    """The span widened by ``factor * impute_context_hours`` on each side."""
    lo, hi = _bounds(span)
    pad = factor * ctx.settings.pipeline.impute_context_hours * _HOUR
    return lo - pad, hi + pad


def read_context(ctx: FlowContext, spans: dict[int, tuple[date, date]]) -> pd.DataFrame:
    """Stored rows within ``2W`` of each station's span (observed values only).

    Fills read as NaN: T2 recomputes every non-observed value from observed
    ones, so a stored fill never feeds another fill.
    """
    windows = {stn: _window(ctx, span, 2) for stn, span in spans.items()}
    lo = min(w[0] for w in windows.values())
    hi = max(w[1] for w in windows.values())
    stored = ctx.storage.read_weather_observed(sorted(windows), lo, hi)
    keep = np.zeros(len(stored), dtype=bool)
    for stn, (a, b) in windows.items():
        keep |= ((stored["stnId"] == stn) & (stored["tm"] >= a) & (stored["tm"] < b)).to_numpy()
    return stored.loc[keep].reset_index(drop=True)


def read_history(
    ctx: FlowContext, frame: pd.DataFrame, spans: dict[int, tuple[date, date]]
) -> pd.DataFrame | None:
    """Observed values of the ``history_days`` before each station's span, outside its context.

    T2's series already holds the context window's observations; leaving that
    window out of ``history`` keeps them from being counted twice as
    climatology evidence, and keeps a re-run identical to the first run.
    """
    days = ctx.settings.pipeline.history_days
    if days == 0:
        return None
    names = frame.drop_duplicates("stnId").set_index("stnId")["stnNm"]
    parts = []
    for stn, span in spans.items():
        first, _ = _bounds(span)
        context_lo, _ = _window(ctx, span, 2)
        if first - timedelta(days=days) >= context_lo:
            continue
        part = ctx.storage.read_weather_history([stn], first - timedelta(days=days), context_lo)
        # T2 matches history to the series by station name: use the fetched one.
        parts.append(part.assign(stnNm=str(names.get(stn, ""))) if len(part) else part)
    history = pd.concat(parts, ignore_index=True) if parts else None
    return history if history is not None and len(history) else None


def combine(frame: pd.DataFrame, context: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """T2's input: fetched rows (``fetched`` True) and the stored context, by station and time.

    A fetched row stands for its stored version, except where the answer is
    blank for a value stored as observed: storage keeps that observation
    (storage/observations.py), so T2 must see it too, or the neighbouring
    fills would be computed without it.
    """
    fetched = frame[["tm", "stnId", "stnNm", *columns]].assign(fetched=True)
    fetched = fetched.drop_duplicates(["stnId", "tm"], keep="last").reset_index(drop=True)
    fetched_keys = pd.MultiIndex.from_arrays([fetched["stnId"].astype("int64"), fetched["tm"]])
    stored_keys = pd.MultiIndex.from_arrays([context["stnId"].astype("int64"), context["tm"]])
    observed = context.set_index(stored_keys)
    for column in columns:
        kept = observed[column].reindex(fetched_keys).to_numpy()
        fetched[column] = fetched[column].where(fetched[column].notna(), kept)
    names = fetched.drop_duplicates("stnId").set_index("stnId")["stnNm"]
    # One name per station series: T2 groups by name, and a station renamed
    # since its older rows were stored must still be one series.
    around = context.loc[~stored_keys.isin(fetched_keys)]
    stored = around[["tm", "stnId", *columns]].assign(
        stnNm=around["stnId"].map(names).fillna(around["stnNm"]), fetched=False
    )
    series = pd.concat([fetched, stored[fetched.columns]], ignore_index=True)
    return series.sort_values(["stnId", "tm"], kind="stable").reset_index(drop=True)


def impute(
    ctx: FlowContext, series: pd.DataFrame, history: pd.DataFrame | None, columns: list[str]
) -> TransformOutput:
    """T2 with per-row method codes, so the load stores each value's provenance."""
    options = ImputeOptions(
        columns=tuple(columns),
        max_spline_gap=ctx.settings.pipeline.max_spline_gap,
        with_methods=True,
    )
    frame = series[["tm", "stnNm", *columns]]
    if ctx.partitions is None:
        output: TransformOutput = ctx.call("impute_missing_values", frame, options, history)
        return output
    # [pipeline] task_runner = "dask": one task per station on the cluster,
    # the same output as the single call (pipeline/partitions.py).
    run = impute_by_station(
        frame, options, history, BackendSelection.of(ctx.settings), ctx.partitions
    )
    ctx.summary.records.extend(run.records)
    ctx.summary.details["impute_partitions"] = len(run.partitions)
    return run.output


def load(
    ctx: FlowContext,
    series: pd.DataFrame,
    imputed: TransformOutput,
    spans: dict[int, tuple[date, date]],
) -> None:
    """Upsert the fetched rows, revise stored fills within ``W`` of each span, in one transaction.

    Only rows with some value not observed are offered for revision; the
    writer never replaces an observed value.
    """
    columns = list(ctx.settings.pipeline.impute_columns)
    methods = imputed.methods or {}
    out = series.assign(**{c: imputed.frame[c].to_numpy() for c in columns})
    fetched = series["fetched"].to_numpy(dtype=bool)
    near = np.zeros(len(series), dtype=bool)
    for stn, span in spans.items():
        a, b = _window(ctx, span, 1)
        near |= ((series["stnId"] == stn) & (series["tm"] >= a) & (series["tm"] < b)).to_numpy()
    not_observed = np.zeros(len(series), dtype=bool)
    for c in columns:
        not_observed |= np.asarray(methods[c]) != FillMethod.OBSERVED
    revise = ~fetched & near & not_observed

    loaded, revised = ctx.storage.load_weather_run(
        out.loc[fetched].reset_index(drop=True),
        {c: np.asarray(methods[c])[fetched] for c in columns},
        out.loc[revise, ["tm", "stnId", *columns]].reset_index(drop=True),
        {c: np.asarray(methods[c])[revise] for c in columns},
        run_id=ctx.summary.run_id,
    )
    summary = ctx.summary
    note_observations(summary, loaded.revisions, loaded.kept)
    summary.rows_loaded = loaded.rows
    summary.details["duplicates"] = loaded.duplicates
    summary.details["revised_fills"] = revised.rows
    summary.details["revised_by_method"] = revised.methods
    if revised.rows:
        logs.info("weather.fills_revised", rows=revised.rows, methods=revised.methods)
    _count_fills(summary, {c: np.asarray(methods[c])[fetched] for c in columns})


def _count_fills(summary: FlowSummary, methods: dict[str, np.ndarray]) -> None:
    """Fetched rows filled per method and left unfilled, per column, summed over stations."""
    for column, codes in methods.items():
        found: dict[str, int] = {}
        for code, rows in zip(*np.unique(codes, return_counts=True), strict=True):
            method = FillMethod(int(code))
            if method not in (FillMethod.OBSERVED, FillMethod.UNFILLED):
                found[method.label] = int(rows)
        summary.filled[column] = dict(sorted(found.items()))
        summary.unfilled[column] = int((codes == FillMethod.UNFILLED).sum())
