"""T2 whole call, python against rust, on the legacy shape's raw columns (issue 11).

    uv run python -m benchmarks.t2_raw_inputs                 # 10k, 100k, 1M rows
    uv run python -m benchmarks.t2_raw_inputs --rows 10000    # one size
    uv run python -m benchmarks.t2_raw_inputs --memory        # peak RSS, one process per call

The legacy generator's shape: ``tm`` as strings like ``2020-01-01 00:00``
(``str`` dtype), station names as strings, 114 stations at 1M rows; and the
same frame with ``tm`` as datetime64[ns]. Both backends' hook functions run
in this one process on the same frame, after an equivalence check. Timings
are printed, never asserted. ``--memory`` measures the peak RSS above the
starting RSS of one call, each in a fresh process (in a process that has
already run a call, the allocator reuses its freed pages and the peak is
not seen); see ``benchmarks.measure.peak_rss``.
"""

from __future__ import annotations

import argparse
import gc
import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pandas as pd

import plugins.python_backend as python_hooks
from benchmarks.generator import GeneratorSpec, generate
from benchmarks.measure import peak_rss, time_call
from registry.contracts import ImputeOptions
from registry.equivalence import differences

LEGACY_STATIONS_AT_1M = 114


def legacy_frame(rows: int, string_times: bool) -> pd.DataFrame:
    stations = max(3, round(rows * LEGACY_STATIONS_AT_1M / 1_000_000))
    frame = generate(GeneratorSpec(stations=stations, hours=math.ceil(rows / stations)))
    if string_times:
        frame["tm"] = frame["tm"].dt.strftime("%Y-%m-%d %H:%M")
    return frame


def hooks_of(backend: str) -> Any:
    if backend == "python":
        return python_hooks
    from energy_rust_backend import plugin

    return plugin


def one_call_memory(backend: str, kind: str, rows: int) -> None:
    """Print the peak RSS above the start of one call (run in a fresh process)."""
    frame = legacy_frame(rows, kind == "string")
    hooks, options = hooks_of(backend), ImputeOptions()
    gc.collect()
    print(peak_rss(lambda: hooks.impute_missing_values(frame, options, None)).peak_bytes)


def memory(rows_list: list[int]) -> None:
    print("rows       input       python MiB  rust MiB   (peak RSS of one call, fresh process)")
    for rows in rows_list:
        for kind in ("string", "datetime64"):
            peaks = []
            for backend in ("python", "rust"):
                command = [sys.executable, "-m", "benchmarks.t2_raw_inputs", "--one-memory"]
                out = subprocess.run(
                    [*command, backend, kind, str(rows)], capture_output=True, text=True, check=True
                )
                peaks.append(int(out.stdout.strip().splitlines()[-1]) / 2**20)
            print(f"{rows:>9,}  {kind:<10} {peaks[0]:>10.1f} {peaks[1]:>9.1f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--memory", action="store_true", help="peak RSS per call instead of time")
    parser.add_argument("--one-memory", nargs=3, metavar=("BACKEND", "KIND", "ROWS"))
    args = parser.parse_args(argv)
    if args.one_memory:
        backend, kind, rows = args.one_memory
        one_call_memory(backend, kind, int(rows))
        return 0
    if args.memory:
        memory(args.rows)
        return 0
    rust_hooks = hooks_of("rust")

    options = ImputeOptions()
    print(
        "rows       input       python ms   rust ms   ratio   python cpu ms  rust cpu ms  cpu ratio"
    )
    for rows in args.rows:
        for string_times in (True, False):
            frame = legacy_frame(rows, string_times)

            def run(hooks: Any, f: pd.DataFrame = frame) -> Callable[[], Any]:
                return lambda: hooks.impute_missing_values(f, options, None)

            py, rs = run(python_hooks), run(rust_hooks)
            diffs = differences(py(), rs())
            assert not diffs, diffs[:3]
            repeats = 5 if rows >= 1_000_000 else 9
            py_t, rs_t = time_call(py, repeats=repeats), time_call(rs, repeats=repeats)
            kind = "string tm" if string_times else "datetime64"
            print(
                f"{len(frame):>9,}  {kind:<10} {py_t.median_wall_s * 1e3:>9.1f}"
                f" {rs_t.median_wall_s * 1e3:>9.1f} {py_t.median_wall_s / rs_t.median_wall_s:>7.1f}x"
                f" {py_t.median_cpu_s * 1e3:>14.1f} {rs_t.median_cpu_s * 1e3:>12.1f}"
                f" {py_t.median_cpu_s / rs_t.median_cpu_s:>9.1f}x",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
