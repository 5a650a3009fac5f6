"""T2 whole call, python against rust, on the legacy shape's raw columns (issue 11).

    uv run python -m benchmarks.t2_raw_inputs                 # 10k, 100k, 1M rows
    uv run python -m benchmarks.t2_raw_inputs --rows 10000    # one size

The legacy generator's shape: ``tm`` as strings like ``2020-01-01 00:00``
(``str`` dtype), station names as strings, 114 stations at 1M rows; and the
same frame with ``tm`` as datetime64[ns]. Both backends' hook functions run
in this one process on the same frame, after an equivalence check. Peak RSS
above the starting RSS is sampled per call (approximate; see
``benchmarks.measure.peak_rss``). Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import math
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args(argv)
    from energy_rust_backend import plugin as rust_hooks

    options = ImputeOptions()
    print("rows       input       python ms   rust ms   ratio   python MiB  rust MiB")
    for rows in args.rows:
        for string_times in (True, False):
            frame = legacy_frame(rows, string_times)

            def run(hooks: Any, f: pd.DataFrame = frame) -> Callable[[], Any]:
                return lambda: hooks.impute_missing_values(f, options, None)

            py, rs = run(python_hooks), run(rust_hooks)
            diffs = differences(py(), rs())
            assert not diffs, diffs[:3]
            repeats = 3 if rows >= 1_000_000 else 9
            py_t, rs_t = time_call(py, repeats=repeats), time_call(rs, repeats=repeats)
            py_m, rs_m = peak_rss(py), peak_rss(rs)
            kind = "string tm" if string_times else "datetime64"
            print(
                f"{len(frame):>9,}  {kind:<10} {py_t.median_wall_s * 1e3:>9.1f}"
                f" {rs_t.median_wall_s * 1e3:>9.1f} {py_t.median_wall_s / rs_t.median_wall_s:>7.1f}x"
                f" {py_m.peak_bytes / 2**20:>10.1f} {rs_m.peak_bytes / 2**20:>9.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
