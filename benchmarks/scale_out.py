"""Scale-out of T2 on Dask: one process against 1 and 2 local workers, overheads broken out.

    uv run --frozen --no-sync python -m benchmarks.scale_out --write-docs  # 1M and 10M rows
    uv run --frozen --no-sync python -m benchmarks.scale_out --quick       # small, for development

Two parts, each measured once per configuration (a cluster start is not
repeated cheaply; the numbers are single runs and say so):

1. **T2 alone** (no database) on the project's generator (datetime64 ``tm``,
   float values, 10,000 hours per station): one call on the whole frame; the
   same partitions in this process (:class:`pipeline.partitions.InProcess`);
   a local cluster of 1 and of 2 worker processes. Broken out: T2 compute
   (the sum of the registry's call durations, wherever they ran), the
   client's split and merge, serialisation (pickling every partition there
   and every result back, timed here), and the rest (scheduling and
   transfer, by difference).
2. **``energy reimpute`` end to end** on SQLite at the smaller size: read,
   T2, write, as ``run_reimpute`` reports them.

The backend is python with shadow runs off: the CPU-heavy backend, the one a
cluster is for. Only what ran here is reported.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.generator import generate, spec_for_rows
from benchmarks.measure import machine_info
from pipeline.cluster import DaskRunner, cluster_client
from pipeline.partitions import (
    BackendSelection,
    ImputeWork,
    InProcess,
    PartitionRunner,
    impute_by_station,
    split_by_station,
)
from pipeline.reimpute import run_reimpute
from registry import ImputeOptions, Settings, build_registry, load_settings
from storage.facade import open_storage
from storage.weather import observed_methods

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "scale_out.md"
COMMAND = "uv run --frozen --no-sync python -m benchmarks.scale_out --write-docs"
OPTIONS = ImputeOptions(with_methods=True)
WORKER_COUNTS = (1, 2)


def log(message: str) -> None:
    print(f"[scale_out {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_settings(data_dir: Path) -> Settings:
    return load_settings(
        "test",
        data_dir=data_dir,
        backends={"default": "python"},
        transforms={"impute_missing_values": {"backend": "python", "shadow": None}},
    )


@dataclass
class T2Case:
    rows: int
    stations: int
    config: str
    wall_s: float
    compute_s: float
    client_s: float = 0.0
    serialise_s: float = 0.0
    bytes_moved: int = 0
    workers: int = 0

    @property
    def rest_s(self) -> float:
        """Wall time not explained by compute (spread over workers), client and serialisation."""
        spread = self.compute_s / max(self.workers, 1)
        return max(0.0, self.wall_s - spread - self.client_s - self.serialise_s)


def _serialisation(frame: pd.DataFrame, selection: BackendSelection) -> tuple[float, int]:
    """Seconds and bytes to pickle every partition and its result there and back (in process)."""
    partitions = split_by_station(frame, OPTIONS, None)
    work = ImputeWork(OPTIONS, selection)
    results = [work(p) for p in partitions]
    began = time.perf_counter()
    moved = 0
    for item in (*partitions, *results):
        blob = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        moved += len(blob)
        pickle.loads(blob)
    return time.perf_counter() - began, moved


def bench_t2(rows: int, settings: Settings) -> list[T2Case]:
    frame = generate(spec_for_rows(rows))
    stations = int(frame["stnNm"].nunique())
    selection = BackendSelection.of(settings, environ={})
    cases: list[T2Case] = []

    log(f"{rows:,} rows: one call")
    registry = build_registry(settings)
    began = time.perf_counter()
    result = registry.call("impute_missing_values", frame, OPTIONS, None)
    wall = time.perf_counter() - began
    cases.append(
        T2Case(rows, stations, "one process, one call", wall, result.record.duration_s, workers=1)
    )
    reference = result.value

    log(f"{rows:,} rows: partitions in process")
    began = time.perf_counter()
    run = impute_by_station(frame, OPTIONS, None, selection, InProcess())
    wall = time.perf_counter() - began
    compute = sum(r.duration_s for r in run.records)
    _check_same(reference, run.output)
    client_share = max(0.0, wall - compute)
    cases.append(
        T2Case(rows, stations, "one process, per station", wall, compute, client_share, workers=1)
    )

    serialise, moved = _serialisation(frame, selection)
    for workers in WORKER_COUNTS:
        log(f"{rows:,} rows: {workers} worker(s)")
        with cluster_client(settings.cluster, workers=workers) as client:
            runner = DaskRunner(client, settings.cluster.partitions_per_worker)
            _warm(runner, selection)
            began = time.perf_counter()
            run = impute_by_station(frame, OPTIONS, None, selection, runner)
            wall = time.perf_counter() - began
        _check_same(reference, run.output)
        cases.append(
            T2Case(
                rows,
                stations,
                f"Dask, {workers} worker process{'es' if workers > 1 else ''}",
                wall,
                sum(r.duration_s for r in run.records),
                client_share,
                serialise,
                moved,
                workers,
            )
        )
    return cases


def _warm(runner: PartitionRunner, selection: BackendSelection) -> None:
    """One tiny partition per worker first, so imports and backend discovery are not timed."""
    small = generate(spec_for_rows(1_000))
    list(runner.map_unordered(ImputeWork(OPTIONS, selection), split_by_station(small, OPTIONS)))


def _check_same(reference: Any, output: Any) -> None:
    from registry import equivalent

    if not equivalent(reference, output):
        raise SystemExit("partitioned output differs from the one call: not a valid measurement")


# --------------------------------------------------------------------------- reimpute


@dataclass
class ReimputeCase:
    rows: int
    config: str
    wall_s: float
    read_s: float
    write_s: float
    t2_s: float
    revised: int


def _stored_database(rows: int, directory: Path) -> tuple[Path, date, date]:
    """A SQLite file of ``rows`` hourly rows: observations stored, gaps stored as unfilled."""
    frame = generate(spec_for_rows(rows))
    names = {name: 1000 + i for i, name in enumerate(frame["stnNm"].unique())}
    frame["stnId"] = frame["stnNm"].map(names).astype("int64")
    settings = bench_settings(directory)
    with open_storage(settings) as db:
        db.load_weather(frame, observed_methods(frame))
    first = pd.Timestamp(frame["tm"].min()).date()
    last = pd.Timestamp(frame["tm"].max()).date()
    return next(directory.glob("*.sqlite")), first, last


def bench_reimpute(rows: int, base: Path) -> list[ReimputeCase]:
    log(f"reimpute: storing {rows:,} rows in SQLite")
    source, first, last = _stored_database(rows, base / "source")
    cases = []
    configs: list[tuple[str, int]] = [
        ("in process", 0),
        *((f"Dask, {w} worker(s)", w) for w in WORKER_COUNTS),
    ]
    for config, workers in configs:
        directory = base / f"run-{workers}"
        directory.mkdir()
        (directory / source.name).write_bytes(source.read_bytes())
        settings = bench_settings(directory)
        log(f"reimpute: {config}")
        if workers:
            # The cluster starts before the clock: its start-up is reported apart.
            with cluster_client(settings.cluster, workers=workers) as client:
                runner = DaskRunner(client, settings.cluster.partitions_per_worker)
                _warm(runner, BackendSelection.of(settings, environ={}))
                began = time.perf_counter()
                summary = run_reimpute(settings, first, last, runner)
                wall = time.perf_counter() - began
        else:
            began = time.perf_counter()
            summary = run_reimpute(settings, first, last, InProcess())
            wall = time.perf_counter() - began
        d = summary.details
        cases.append(
            ReimputeCase(
                rows, config, wall, d["read_s"], d["write_s"], d["t2_s"], summary.rows_loaded
            )
        )
    return cases


# --------------------------------------------------------------------------- report


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def render(t2: list[T2Case], reimpute: list[ReimputeCase], info: dict[str, str]) -> str:
    storage = pd.get_option("mode.string_storage")
    lines = [
        "# Scale-out on Dask: T2 per station on local workers",
        "",
        f"Command: `{COMMAND}`. Machine: {info.get('cpu', '?')}, {info.get('logical_cpus', '?')} "
        f"logical CPUs, {info.get('memory_gb', '?')} GB; Python {info.get('python', '?')}, pandas "
        f"{info.get('pandas', '?')}; load average at the end {info.get('load_average_1m_5m_15m', '?')}; pandas string storage "
        f"`{storage}` ({type(pd.Series(['x']).array).__name__}). Backend: python, shadow runs off. "
        "Each configuration ran once (a cluster start is not cheap to repeat), so the numbers "
        "are single measurements, not medians. The load average shows what else ran.",
        "",
        "## T2 alone (no database)",
        "",
        "| rows | stations | configuration | wall | T2 compute (sum) | client split/merge | "
        "serialisation | scheduling + transfer (rest) | vs one call |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rows in sorted({c.rows for c in t2}):
        group = [c for c in t2 if c.rows == rows]
        base = group[0].wall_s
        for c in group:
            lines.append(
                f"| {c.rows:,} | {c.stations:,} | {c.config} | {_s(c.wall_s)} | {_s(c.compute_s)} | "
                f"{_s(c.client_s) if c.client_s else '-'} | "
                f"{(_s(c.serialise_s) + f' ({c.bytes_moved / 2**20:,.0f} MiB)') if c.serialise_s else '-'} | "
                f"{_s(c.rest_s) if c.workers and c.config.startswith('Dask') else '-'} | {base / c.wall_s:.2f}x |"
            )
    lines += [
        "",
        "T2 compute is the sum of the registry's call durations over the partitions, wherever they "
        "ran; with w workers the ideal wall time is compute / w. Serialisation is measured in this "
        "process (pickle and unpickle of every partition and every result): on a cluster it is paid "
        "by the client and the workers, partly in parallel, so the table counts it once, as an "
        "upper bound. The rest is wall minus compute / w, client and serialisation: scheduling, "
        "network transfer and waiting.",
        "",
        "## `energy reimpute` end to end (SQLite)",
        "",
        "| rows | configuration | wall | read (client) | T2 (sum) | write (client) | fills written |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in reimpute:
        lines.append(
            f"| {c.rows:,} | {c.config} | {_s(c.wall_s)} | {_s(c.read_s)} | {_s(c.t2_s)} | "
            f"{_s(c.write_s)} | {c.revised:,} |"
        )
    lines += ["", *model_section(t2, reimpute)]
    return "\n".join(lines) + "\n"


def model_section(t2: list[T2Case], reimpute: list[ReimputeCase]) -> list[str]:
    """The scaling model, with its prediction checked against the measured rows."""
    out = [
        "## How the time scales with workers, and where it stops",
        "",
        "Model, for R rows in P station partitions on w workers:",
        "",
        "    wall(w) ≈ client(R) + serialise(R) + compute(R) / w + schedule(P)",
        "",
        "- `compute` is linear in rows (T2 is one pass plus sorts per station) and divides by w;",
        "- `client` (split, merge; for reimpute also read and write) is serial, in the client;",
        "- `serialise` grows with the bytes moved, about twice the partition's size (there and back);",
        "- `schedule` is a few milliseconds per partition (P tasks).",
        "",
        "It stops scaling when compute / w falls to the serial part: beyond "
        "w* ≈ compute / (client + serialise + schedule) workers, adding one saves less than it costs. "
        "For `energy reimpute` the serial part includes the database read and write, one station "
        "at a time in the client, so the write is the first limit.",
        "",
        "Checked against the measurements:",
        "",
        "| case | predicted wall | measured wall | w* (model) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for rows in sorted({c.rows for c in t2}):
        dask = [c for c in t2 if c.rows == rows and c.config.startswith("Dask")]
        if not dask:
            continue
        one = dask[0]
        schedule = one.rest_s  # measured with one worker: what remains is per-task overhead
        for c in dask:
            predicted = c.client_s + c.serialise_s + c.compute_s / c.workers + schedule
            serial = c.client_s + c.serialise_s + schedule
            star = c.compute_s / serial if serial else float("inf")
            out.append(
                f"| T2 {rows:,} rows, {c.config} | {_s(predicted)} | {_s(c.wall_s)} | {star:.1f} |"
            )
    for c in reimpute:
        if c.config.startswith("Dask"):
            workers = int(c.config.split(",")[1].split()[0])
            predicted = c.read_s + c.write_s + c.t2_s / workers
            serial = c.read_s + c.write_s
            star = c.t2_s / serial if serial else float("inf")
            out.append(
                f"| reimpute {c.rows:,} rows, {c.config} (read + write + T2 / w) | {_s(predicted)} | "
                f"{_s(c.wall_s)} | {star:.1f} |"
            )
    out += [
        "",
        "The prediction uses the 1-worker run's rest as the scheduling cost; where measured and "
        "predicted differ by more than that, the difference is contention on this machine's two "
        "cores (the client and the workers share them).",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOC.relative_to(REPO)}")
    args = parser.parse_args(argv)
    if args.quick and args.write_docs:
        parser.error("--write-docs writes the full run's numbers; drop --quick")
    sizes = (50_000, 200_000) if args.quick else (1_000_000, 10_000_000)
    reimpute_rows = 50_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        settings = bench_settings(base / "t2")
        t2 = [case for rows in sizes for case in bench_t2(rows, settings)]
        reimpute = bench_reimpute(reimpute_rows, base)
    text = render(t2, reimpute, machine_info())
    if args.write_docs:
        DOC.write_text(text, encoding="utf-8")
        log(f"wrote {DOC}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
