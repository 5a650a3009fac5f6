"""T2 glue: the python backend's ``prepare``/``assemble`` around the Rust kernel.

Validation, time parsing, sorting and the report are shared code, so the two
backends can only differ in the kernel; the kernel arrays cross into Rust
without a copy (they are contiguous and read-only, which Rust accepts as is).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd

from energy_rust_backend.errors import native_errors
from plugins.python_backend.imputation import Kernel, impute_with_kernel
from registry.contracts import ImputeOptions, TransformOutput
from registry.settings import LimitSettings

SOURCE = "impute_missing_values"


def kernel_of(native: ModuleType, threads: int = 0) -> Kernel:
    """The Rust kernel with the python kernel's signature and exception types.

    ``threads=0`` lets the native side split large inputs over the machine's
    cores (stations are independent, so the result does not depend on it).
    """

    def kernel(
        x: np.ndarray,
        group_starts: np.ndarray,
        values: np.ndarray,
        clim_key: np.ndarray,
        hist_group: np.ndarray,
        hist_key: np.ndarray,
        hist_values: np.ndarray,
        max_spline_gap: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        with native_errors(native, SOURCE):
            return native.impute_kernel(
                np.ascontiguousarray(x, dtype=np.float64),
                np.ascontiguousarray(group_starts, dtype=np.int64),
                np.ascontiguousarray(values, dtype=np.float64),
                np.ascontiguousarray(clim_key, dtype=np.int64),
                np.ascontiguousarray(hist_group, dtype=np.int64),
                np.ascontiguousarray(hist_key, dtype=np.int64),
                np.ascontiguousarray(hist_values, dtype=np.float64),
                int(max_spline_gap),
                threads,
            )

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
