"""T2 glue: the shared harness (``backend_harness.imputation``) around the Rust kernel.

Validation, time parsing, sorting and the report are shared code, so the two
backends can only differ in the kernel; the kernel arrays cross into Rust
without a copy (they are contiguous and read-only, which Rust accepts as is).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd

from backend_harness.imputation import impute_with_kernel
from backend_harness.kernel_input import Kernel, KernelInput
from energy_rust_backend.errors import native_errors
from foundations.settings import LimitSettings
from registry.contracts import ImputeOptions, TransformOutput

SOURCE = "impute_missing_values"


def kernel_of(native: ModuleType, threads: int = 0) -> Kernel:
    """The Rust kernel behind the harness's kernel signature and exception types.

    ``threads=0`` lets the native side split large inputs over the machine's
    cores (stations are independent, so the result does not depend on it).
    """

    def kernel(inputs: KernelInput) -> tuple[np.ndarray, np.ndarray]:
        with native_errors(native, SOURCE):
            # KernelInput has already made every array its kernel dtype;
            # ascontiguousarray is a no-op on them and copies only a strided view.
            filled, methods = native.impute_kernel(
                np.ascontiguousarray(inputs.x),
                np.ascontiguousarray(inputs.group_starts),
                np.ascontiguousarray(inputs.values),
                np.ascontiguousarray(inputs.clim_key),
                np.ascontiguousarray(inputs.hist_group),
                np.ascontiguousarray(inputs.hist_key),
                np.ascontiguousarray(inputs.hist_values),
                inputs.max_spline_gap,
                threads,
            )
        return filled, methods

    return kernel


def impute_missing_values(
    native: ModuleType,
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    # The column limit and the control-character rule live in the shared
    # ``prepare``, so they hold here exactly as in the python backend.
    return impute_with_kernel(frame, options, history, kernel_of(native), limits)
