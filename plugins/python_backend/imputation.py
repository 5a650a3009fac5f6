"""T2 ``impute_missing_values``: the shared harness around the numpy/scipy kernel."""

from __future__ import annotations

import pandas as pd

from backend_harness.imputation import impute_with_kernel
from foundations.settings import LimitSettings
from plugins.python_backend.imputation_kernel import impute_kernel
from registry.contracts import ImputeOptions, TransformOutput


def impute_missing_values(
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None = None,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    """T2 with the numpy/scipy kernel: the python backend's hook implementation."""
    return impute_with_kernel(frame, options, history, impute_kernel, limits)
