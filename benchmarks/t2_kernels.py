"""T2's gap-filling kernels alone, on the harness's ``prepare`` arrays: how much of a call they are.

The rust backend's whole T2 call is one native call on the raw columns; its
kernel is also bound on its own (``energy_rust_backend.kernel.kernel_of``),
which is what this times, next to the python kernel, on the same arrays.

    uv run --frozen --no-sync python -m benchmarks.t2_kernels   # 1M rows, datetime64, both shapes

prints each kernel's time and the rust whole call's, so the share of the call
that the kernel takes can be read off (the Phase 1 report's targets at 1M
datetime64 rows are bounded by it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from benchmarks.measure import timed
from registry.contracts import ImputeOptions


def _parts() -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any], Any] | None:
    """(prepare, python kernel, rust kernel_of, native module), or None if any is gone."""
    try:
        from backend_harness.imputation import prepare
        from energy_rust_backend import kernel as rust_kernel
        from energy_rust_backend import plugin as rust_hooks
        from plugins.python_backend.imputation_kernel import impute_kernel
    except ImportError:
        return None
    kernel_of = getattr(rust_kernel, "kernel_of", None)
    if kernel_of is None:
        return None
    return prepare, impute_kernel, kernel_of, rust_hooks.native


def kernels_note(frame: pd.DataFrame, expected_s: float) -> str:
    """ "kernels only: python .., rust 1 thread .., auto threads .." or "" when unavailable."""
    parts = _parts()
    if parts is None:
        return ""
    prepare, python_kernel, kernel_of, native = parts
    options = ImputeOptions()
    prepared = prepare(frame, options, None)

    def kernels(kernel: Callable[..., Any]) -> Callable[[], None]:
        def run() -> None:
            for column in options.columns:
                kernel(prepared.kernel_input(column, options.max_spline_gap))

        return run

    py = timed(kernels(python_kernel), expected_s)
    one = timed(kernels(kernel_of(native, threads=1)), expected_s / 5)
    auto = timed(kernels(kernel_of(native)), expected_s / 5)
    p, o, a = py.median_wall_s, one.median_wall_s, auto.median_wall_s
    return (
        f"kernels only (shared prepare excluded): python {p * 1e3:.2f} ms, "
        f"rust 1 thread {o * 1e3:.2f} ms ({p / o:.1f}x), rust auto threads {a * 1e3:.2f} ms ({p / a:.1f}x)"
    )


def main() -> None:
    from benchmarks import t2_inputs
    from benchmarks.measure import time_call
    from energy_rust_backend import plugin as rust_hooks

    for shape in ("legacy", "project"):
        frame = t2_inputs.build(shape, "datetime64", 1_000_000)
        whole = time_call(
            lambda f=frame: rust_hooks.impute_missing_values(f, ImputeOptions(), None)
        )
        note = kernels_note(frame, 0.5)
        print(
            f"{shape} shape, datetime64, {len(frame):,} rows: rust whole call "
            f"{whole.median_wall_s * 1e3:.2f} ms; {note}"
        )


if __name__ == "__main__":
    main()
