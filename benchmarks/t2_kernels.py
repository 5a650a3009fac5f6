"""Optional extra for T2: the gap-filling kernels alone, on the shared ``prepare``'s arrays.

Only meaningful while the rust backend's T2 is "shared python prepare + rust
kernel + shared assemble" (``energy_rust_backend.imputation.kernel_of``). The
T2 rewrite that reads raw columns in Rust may drop that function; then this
extra is skipped (``None``) and the whole-call figures are the only ones.
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
        from energy_rust_backend import imputation as rust_imputation
        from energy_rust_backend import plugin as rust_hooks
        from plugins.python_backend.imputation_kernel import impute_kernel
    except ImportError:
        return None
    kernel_of = getattr(rust_imputation, "kernel_of", None)
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
