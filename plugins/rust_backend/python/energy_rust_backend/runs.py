"""T1 glue: validate like the python backend, then hand the buffer to Rust as is."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from registry.errors import TransformInputError

SOURCE = "find_missing_runs"


def as_float_vector(values: Any) -> np.ndarray:
    """``values`` as a contiguous 1-D float64 array; the same object when it already is one."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TransformInputError(
            f"{SOURCE}: input is not convertible to float64: {exc}"
        ) from None
    if arr.ndim != 1:
        raise TransformInputError(
            f"{SOURCE}: expected a 1-D array, got {arr.ndim}-D with shape {arr.shape}"
        )
    # A strided view (e.g. every other element) is the one case that is copied.
    return np.ascontiguousarray(arr)


def find_missing_runs(native: ModuleType, values: Any) -> tuple[np.ndarray, np.ndarray]:
    return native.find_missing_runs(as_float_vector(values))
