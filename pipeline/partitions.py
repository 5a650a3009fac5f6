"""T2 by station partitions: the same result as one call, computed piece by piece anywhere.

T2 (``impute_missing_values``) treats stations independently except in one
place: rule 6's last fallback, the mean of all observed values of a column
over *all* stations, which fills a station that has no observed value of that
column at all. A partition holding one station would see only itself there.
So each partition also gets, as ``history``, one row of a station that is in
no partition (:data:`ARCHIVE_STATION`) holding the mean over every partition
and every history row. By T2's contract a history row of a station absent from
the input counts only toward that global mean, so a partition's output equals
the whole call's, rows and report, except that the global mean is summed in
another order (a difference of a few ULPs, within the equivalence rule).

The partitioned path and the in-process path share this code, so a run on a
cluster and a run in one process give the same table row for row.

Input errors: a partition's error would name rows by their position in the
partition. When a partition raises ``TransformInputError``, the caller runs
T2 once more on the whole input, in process, so the error names the rows as a
single call names them (:func:`impute_by_station`).
"""

from __future__ import annotations

import functools
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from foundations.errors import TransformInputError
from foundations.settings import (
    DatabaseSettings,
    NotificationSettings,
    Settings,
    SourceSettings,
)
from registry import CallRecord, ImputeOptions, Registry, TransformOutput, discover_backends
from registry.discovery import Backends
from registry.selection import ENV_ALL, ENV_PREFIX

T = TypeVar("T")
R = TypeVar("R")

#: The station of the one history row carrying the global mean. Not a KMA
#: station name (those are Korean place names), and never in any input.
ARCHIVE_STATION = "<mean of all stations>"

TRANSFORM = "impute_missing_values"


@dataclass(frozen=True)
class BackendSelection:
    """What a worker needs to choose backends exactly as the client would.

    A worker process does not share the client's environment: it may have
    been started before ``ENERGY_BACKEND=python`` was set for this run, or on
    another host. The client's backend-selection variables travel with each
    partition and the worker's registry resolves with them, so the same
    precedence (and the rollback) holds on every worker. The settings travel
    without their secrets: a worker computes, it never opens the database or
    calls an API.
    """

    settings: Settings
    environ: Mapping[str, str]

    @classmethod
    def of(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> BackendSelection:
        env = os.environ if environ is None else environ
        selection = {
            name: value
            for name, value in env.items()
            if name == ENV_ALL or name.startswith(ENV_PREFIX)
        }
        public = settings.model_copy(
            update={
                "database": DatabaseSettings(),
                "sources": SourceSettings(),
                "notifications": NotificationSettings(),
            }
        )
        return cls(settings=public, environ=selection)

    def registry(self) -> Registry:
        return Registry(self.settings, _installed_backends(), environ=self.environ)


@functools.cache
def _installed_backends() -> Backends:
    # Discovery reads the entry points and imports the backends: once per
    # process, not once per partition (a worker runs many). What is installed
    # does not change while a process runs; each partition still gets a fresh
    # registry, so its call records are its own.
    return discover_backends()


@dataclass(frozen=True)
class Partition:
    """One station's rows of T2's input, and where they sit in the whole input."""

    station: str
    frame: pd.DataFrame
    #: The history of this station plus the global-mean row (see the module doc).
    history: pd.DataFrame | None
    #: int64: each row's position in the whole input.
    positions: np.ndarray


@dataclass
class PartitionResult:
    """T2's output on one partition and what the worker's registry recorded."""

    station: str
    output: TransformOutput
    positions: np.ndarray
    records: list[CallRecord]
    shadow_counts: dict[tuple[str, str], int]
    #: ``host:pid`` of the process that computed it (the summary counts them).
    worker: str


def impute_partition(
    partition: Partition, options: ImputeOptions, selection: BackendSelection
) -> PartitionResult:
    """Run T2 on one partition through a registry built from ``selection`` (runs on a worker)."""
    registry = selection.registry()
    result = registry.call(TRANSFORM, partition.frame, options, partition.history)
    return PartitionResult(
        station=partition.station,
        output=result.value,
        positions=partition.positions,
        records=list(registry.records),
        shadow_counts=dict(registry.shadow_counts),
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )


@dataclass(frozen=True)
class ImputeWork:
    """:func:`impute_partition` with its options bound: what a runner sends to a worker.

    A module-level class, not a closure, so plain ``pickle`` can ship it to
    any worker (Prefect tasks on prefect-dask pickle it that way).
    """

    options: ImputeOptions
    selection: BackendSelection

    def __call__(self, partition: Partition) -> PartitionResult:
        return impute_partition(partition, self.options, self.selection)


# --------------------------------------------------------------------------- splitting


def observed_means(
    frames: Iterable[pd.DataFrame | None], columns: Iterable[str]
) -> dict[str, float]:
    """Per column, the mean of the observed values of every frame (T2 rule 6's global mean).

    Values are read as T2 reads them (rule 2): numbers, or strings that
    ``pandas.to_numeric`` reads; anything else is missing. A column without
    any observed value has no entry.
    """
    sums: dict[str, float] = {}
    counts: Counter[str] = Counter()
    for frame in frames:
        if frame is None:
            continue
        for column in columns:
            if column not in frame:
                continue
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
            observed = values[~np.isnan(values)]
            sums[column] = sums.get(column, 0.0) + float(observed.sum())
            counts[column] += len(observed)
    return {c: sums[c] / counts[c] for c in counts if counts[c]}


def mean_row(
    options: ImputeOptions, means: Mapping[str, float], like: pd.DataFrame
) -> pd.DataFrame:
    """The one history row that carries rule 6's global mean into a partition (module doc)."""
    # Any time will do: a history row of a station outside the input only
    # counts toward the global mean, whatever its time.
    time_value: Any = like[options.time_col].iloc[0] if len(like) else "1970-01-01 00:00"
    row = {
        options.time_col: [time_value],
        options.station_col: [ARCHIVE_STATION],
        **{c: [means.get(c, np.nan)] for c in options.columns},
    }
    return pd.DataFrame(row)


def split_by_station(
    frame: pd.DataFrame, options: ImputeOptions, history: pd.DataFrame | None = None
) -> list[Partition]:
    """``frame`` as one partition per station, in the order stations first appear.

    Each partition's history is ``history``'s rows of that station plus the
    global-mean row. Rows whose station is missing form their own partition,
    so T2 reports them exactly as a whole call would (after the re-run, see
    :func:`impute_by_station`).
    """
    if frame[options.station_col].isin([ARCHIVE_STATION]).any():
        raise TransformInputError(
            f"station {ARCHIVE_STATION!r} is reserved for the partitioned run's global mean; "
            "rename that station"
        )
    means = observed_means([frame, history], options.columns)
    groups = frame.groupby(options.station_col, sort=False, dropna=False).indices
    by_station = (
        history.groupby(options.station_col, sort=False, dropna=False).indices
        if history is not None and options.station_col in history
        else {}
    )
    partitions = []
    for station, positions in groups.items():
        part_history = mean_row(options, means, frame)
        if history is not None and station in by_station:
            part_history = pd.concat(
                [history.iloc[by_station[station]], part_history], ignore_index=True
            )
        partitions.append(
            Partition(
                station=str(station),
                frame=frame.iloc[positions],
                history=part_history,
                positions=np.asarray(positions, dtype=np.int64),
            )
        )
    return partitions


# --------------------------------------------------------------------------- running


class PartitionRunner(Protocol):
    """Runs a function over items and yields the results as they complete."""

    #: Shown in summaries: ``in-process`` or the cluster's scheduler address.
    where: str

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


class InProcess:
    """The runner without a cluster: one item after another, in this process."""

    where = "in-process"

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)


@dataclass
class StationRun:
    """T2 over every partition: the merged output and what each worker did."""

    output: TransformOutput
    partitions: list[PartitionResult] = field(default_factory=list)

    @property
    def records(self) -> list[CallRecord]:
        return [r for p in self.partitions for r in p.records]


def impute_by_station(
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    selection: BackendSelection,
    runner: PartitionRunner,
) -> StationRun:
    """T2 on ``frame`` computed per station by ``runner``; the output is in input order.

    The result equals one T2 call on the whole frame (module doc). An input
    error is raised as the whole call raises it.
    """
    if len(frame) == 0:
        # Nothing to split: the whole call is the partition (and checks the columns).
        registry = selection.registry()
        value = registry.call(TRANSFORM, frame, options, history).value
        return StationRun(output=value)
    partitions = split_by_station(frame, options, history)
    try:
        results = list(runner.map_unordered(ImputeWork(options, selection), partitions))
    except TransformInputError:
        # Name the rows as a single call does: run it, in process.
        selection.registry().call(TRANSFORM, frame, options, history)
        raise
    order = {p.station: i for i, p in enumerate(partitions)}
    results.sort(key=lambda r: order[r.station])
    return StationRun(output=merge_outputs(frame, options, results), partitions=results)


def merge_outputs(
    frame: pd.DataFrame, options: ImputeOptions, results: list[PartitionResult]
) -> TransformOutput:
    """The partitions' outputs as one T2 output: input rows, order, index and columns."""
    positions = np.concatenate([r.positions for r in results])
    back = np.empty_like(positions)
    back[positions] = np.arange(len(positions))
    merged = pd.concat([r.output.frame for r in results]).iloc[back]
    report: dict[str, Any] = {c: {} for c in options.columns}
    for result in results:
        for column, stations in result.output.report.items():
            report[column].update(stations)
    methods = None
    if options.with_methods:
        methods = {
            c: np.concatenate([np.asarray(r.output.methods[c]) for r in results])[back]  # type: ignore[index]
            for c in options.columns
        }
    return TransformOutput(frame=merged, report=report, methods=methods)
