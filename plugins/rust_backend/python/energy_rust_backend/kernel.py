"""The bare Rust kernel with the python kernel's signature, for the kernel parity tests.

T2 itself goes through :mod:`energy_rust_backend.imputation` (one native call
on the frame's columns); this adapter lets the tests run the native kernel
inside the python reference's ``prepare``/``assemble``, so a kernel
difference shows up on its own.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from energy_rust_backend.errors import native_errors
from plugins.python_backend.imputation import Kernel

SOURCE = "impute_missing_values"


def kernel_of(native: ModuleType, threads: int = 0) -> Kernel:
    """``native.impute_kernel`` with the python kernel's signature and exception types.

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
            return native.impute_kernel(  # type: ignore[no-any-return]
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
