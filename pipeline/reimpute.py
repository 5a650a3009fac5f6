"""Re-impute stored weather: every fill of a range recomputed from the stored observations.

What an operator runs after T2's contract or a backend changed, over years
of hourly rows. The work is split by station (:mod:`pipeline.partitions`):
the client reads one station's stored rows at a time, a worker runs T2 on
them, and the client writes that station's fills back in one transaction.

- **Input**: the stored rows of the station within ``2 * impute_context_hours``
  of the range, values whose method is not ``observed`` read as NaN, so fills
  never feed fills (as in the weather flow, docs/weather_fills.md).
- **Output**: the fills of rows inside the range, written by
  :func:`storage.weather.write_weather_fills`: it never touches an observed
  value, never inserts, and skips a fill that did not change, so a re-run
  writes nothing (idempotent).
- **Failure**: a station is written whole or not at all. A worker killed
  mid-run loses only the partitions it held; Dask runs them again on another
  worker and the table ends as an undisturbed run leaves it. If the cluster
  cannot finish, the run fails naming the error, and the stations already
  written are complete.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from foundations.fill_methods import FillMethod
from pipeline import logs
from pipeline.partitions import (
    BackendSelection,
    ImputeWork,
    Partition,
    PartitionRunner,
    mean_row,
)
from pipeline.runtime import FlowContext, execute
from pipeline.summary import FlowSummary
from registry import ImputeOptions, Settings

FLOW = "reimpute"
SOURCE = "asos"
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


def run_reimpute(
    settings: Settings,
    start: date,
    end: date,
    runner: PartitionRunner,
    *,
    stations: Sequence[int] | None = None,
    **options: Any,
) -> FlowSummary:
    """Recompute the stored fills of ``start..end`` (both inclusive) with ``runner``.

    ``stations`` defaults to every station with rows stored in the range.
    ``options`` go to :func:`pipeline.runtime.execute` (storage, observers,
    run id). The summary's details name the runner, the partitions, the
    workers, and the backend each partition's T2 ran on.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    period = start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"
    selection = BackendSelection.of(settings)
    return execute(
        FLOW,
        SOURCE,
        period,
        settings,
        lambda ctx: _reimpute(ctx, start, end, stations, runner, selection),
        **options,
    )


def _reimpute(
    ctx: FlowContext,
    start: date,
    end: date,
    stations: Sequence[int] | None,
    runner: PartitionRunner,
    selection: BackendSelection,
) -> None:
    lo = datetime.combine(start, datetime.min.time())
    hi = datetime.combine(end, datetime.min.time()) + _DAY
    pad = 2 * ctx.settings.pipeline.impute_context_hours * _HOUR
    read_lo, read_hi = lo - pad, hi + pad
    ids = sorted(set(stations)) if stations else ctx.storage.weather_stations(lo, hi)
    columns = tuple(ctx.settings.pipeline.impute_columns)
    options = ImputeOptions(
        time_col="tm",
        station_col="stnNm",
        columns=columns,
        max_spline_gap=ctx.settings.pipeline.max_spline_gap,
        with_methods=True,
    )
    # Rule 6's global mean over every station of the run, computed once, so
    # each station's partition fills as one call over all stations would.
    means = ctx.storage.weather_observed_means(ids, read_lo, read_hi)
    summary = ctx.summary
    summary.details.update(runner=runner.where, stations=len(ids))
    logs.info("reimpute.started", stations=len(ids), runner=runner.where, period=summary.period)

    # Where the client's time goes (docs/scale_out.md): reading and writing
    # are the client's, serial by design; T2 is the workers'.
    client_s = {"read": 0.0, "write": 0.0}

    def partitions() -> Iterator[Partition]:
        for station_id in ids:
            began = time.perf_counter()
            rows = ctx.storage.read_weather_observed([station_id], read_lo, read_hi)
            client_s["read"] += time.perf_counter() - began
            if len(rows):
                yield Partition(
                    station=str(station_id),
                    frame=rows,
                    history=mean_row(options, means, rows),
                    positions=np.arange(len(rows), dtype=np.int64),
                )

    workers: set[str] = set()
    used: Counter[str] = Counter()
    filled: dict[str, Counter[str]] = {c: Counter() for c in columns}
    unfilled: Counter[str] = Counter()
    for result in runner.map_unordered(ImputeWork(options, selection), partitions()):
        frame = result.output.frame
        methods = result.output.methods or {}
        inside = ((frame["tm"] >= lo) & (frame["tm"] < hi)).to_numpy()
        began = time.perf_counter()
        written = ctx.storage.write_weather_fills(
            frame.loc[inside, ["tm", "stnId", *columns]].reset_index(drop=True),
            {c: np.asarray(methods[c])[inside] for c in columns},
        )
        client_s["write"] += time.perf_counter() - began
        summary.rows_fetched += int(inside.sum())
        summary.rows_loaded += written.rows
        summary.records.extend(result.records)
        workers.add(result.worker)
        used.update(r.used for r in result.records)
        for c in columns:
            codes = np.asarray(methods[c])[inside]
            for code, count in zip(*np.unique(codes, return_counts=True), strict=True):
                method = FillMethod(int(code))
                if method is FillMethod.UNFILLED:
                    unfilled[c] += int(count)
                elif method is not FillMethod.OBSERVED:
                    filled[c][method.label] += int(count)
    summary.filled = {c: dict(sorted(filled[c].items())) for c in columns}
    summary.unfilled = {c: unfilled[c] for c in columns}
    summary.details.update(
        partitions=sum(used.values()),
        workers=len(workers),
        partitions_by_backend=dict(sorted(used.items())),
        revised_rows=summary.rows_loaded,
        read_s=round(client_s["read"], 3),
        write_s=round(client_s["write"], 3),
        t2_s=round(sum(r.duration_s for r in summary.records), 3),
    )
