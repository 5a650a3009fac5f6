"""Timing and memory helpers for the benchmarks (wall and CPU time, peak memory).

Usage::

    from benchmarks.measure import time_call, peak_traced_memory, frame_bytes

    timing = time_call(lambda: impute(frame), repeats=5)
    timing.median_wall_s, timing.median_cpu_s, timing.cpu_share
    memory = peak_traced_memory(lambda: impute(frame))
    memory.peak_bytes / frame_bytes(frame)

``time_call`` runs a warm-up call first (imports, caches), collects garbage
before every call, and records ``time.perf_counter`` (wall) and
``time.process_time`` (CPU of this process, all threads) per call. On a
loaded machine wall time exceeds CPU time; the CPU figure is the one that
does not depend on what else runs, so reports give both.

``peak_traced_memory`` uses ``tracemalloc``: exact for everything allocated
through Python's allocators, numpy and pandas buffers included, but blind to
memory a native extension allocates itself (e.g. Rust's allocator); for such
code use ``peak_rss``, which samples the process's resident set size.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import psutil


@dataclass(frozen=True)
class Timing:
    """Per-call wall and CPU seconds of repeated calls (warm-up excluded)."""

    wall_s: tuple[float, ...]
    cpu_s: tuple[float, ...]

    @property
    def repeats(self) -> int:
        return len(self.wall_s)

    @property
    def median_wall_s(self) -> float:
        return statistics.median(self.wall_s)

    @property
    def min_wall_s(self) -> float:
        return min(self.wall_s)

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(self.cpu_s)

    @property
    def cpu_share(self) -> float:
        """CPU time over wall time (medians); ~1.0 means purely CPU-bound and uncontended."""
        return self.median_cpu_s / self.median_wall_s if self.median_wall_s else float("nan")


@dataclass(frozen=True)
class Memory:
    """Peak memory of one call above what was allocated when it started, in bytes."""

    peak_bytes: int
    method: str


def time_call(fn: Callable[[], Any], *, repeats: int = 5, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        fn()
    walls, cpus = [], []
    for _ in range(repeats):
        gc.collect()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return Timing(tuple(walls), tuple(cpus))


def peak_traced_memory(fn: Callable[[], Any]) -> Memory:
    """Peak bytes allocated (and not yet freed) during ``fn()``, via tracemalloc."""
    gc.collect()
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        if not already:
            tracemalloc.stop()
    return Memory(peak - start, "tracemalloc")


def peak_rss(fn: Callable[[], Any], *, interval_s: float = 0.001) -> Memory:
    """Peak resident set size above the starting RSS during ``fn()``, sampled every ``interval_s``.

    Sees native allocations too, but only approximately: the allocator may
    reuse freed pages, and a peak shorter than the interval can be missed.
    """
    gc.collect()
    process = psutil.Process(os.getpid())
    baseline = process.memory_info().rss
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(interval_s)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        fn()
    finally:
        done.set()
        sampler.join()
    peak = max(peak, process.memory_info().rss)
    return Memory(peak - baseline, "rss")


def frame_bytes(frame: pd.DataFrame, *, deep: bool = True) -> int:
    """Memory of a frame; ``deep`` counts the Python string objects of text columns too."""
    return int(frame.memory_usage(index=True, deep=deep).sum())


def machine_info() -> dict[str, str]:
    """What the numbers were measured on."""
    import numpy
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "cpu": cpu,
        "logical_cpus": str(psutil.cpu_count(logical=True)),
        "memory_gb": f"{psutil.virtual_memory().total / 2**30:.1f}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "load_average_1m_5m_15m": ", ".join(f"{x:.2f}" for x in load),
    }


def micro_time(fn: Callable[[], Any], *, budget_s: float = 0.5, rounds: int = 7) -> Timing:
    """Per-call time of a fast call: ``rounds`` loops of many calls each (no gc in between).

    A burst of load on a shared machine then moves one round, not the median.
    """
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    loops = max(1, int(budget_s / rounds / once))
    walls, cpus = [], []
    for _ in range(rounds):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(loops):
            fn()
        walls.append((time.perf_counter() - wall0) / loops)
        cpus.append((time.process_time() - cpu0) / loops)
    return Timing(tuple(walls), tuple(cpus))


def timed(fn: Callable[[], Any], expected_s: float) -> Timing:
    """Median timing sized to the call: loops for fast calls, few repeats for slow ones.

    ``expected_s`` is one call's time already measured (the caller has run
    ``fn`` at least once, so slow calls need no further warm-up).
    """
    if expected_s < 0.05:
        return micro_time(fn)
    if expected_s > 2:
        return time_call(fn, repeats=3, warmup=0)
    return time_call(fn, repeats=7)
