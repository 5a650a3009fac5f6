"""T1 glue: validate like the python backend, then hand the buffer to Rust as is."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from backend_harness.arguments import as_float_vector

__all__ = ["as_float_vector", "find_missing_runs"]


def find_missing_runs(native: ModuleType, values: Any) -> tuple[np.ndarray, np.ndarray]:
    starts, lengths = native.find_missing_runs(as_float_vector(values))
    return starts, lengths
