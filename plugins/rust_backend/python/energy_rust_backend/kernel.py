"""The bare Rust kernel behind the harness's kernel signature, for the kernel parity tests.

T2 itself goes through :mod:`energy_rust_backend.imputation` (one native call
on the frame's columns); this adapter lets the tests run the native kernel
inside the shared harness's ``prepare``/``assemble``
(``backend_harness.imputation``), so a kernel difference shows up on its own.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from backend_harness.kernel_input import Kernel, KernelInput
from energy_rust_backend.errors import native_errors

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
