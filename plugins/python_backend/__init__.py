"""The ``python`` backend: the readable reference implementation of every transform.

Registered through the ``energy_backends`` entry-point group like any other
backend (see pyproject.toml), so the registry has no special case for it
beyond using it as the last resort of its fallback order.

Each hook delegates to a module with one job; those modules are plain
numpy/pandas/scipy code that can be imported and tested without pluggy.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd

from foundations.settings import LimitSettings
from plugins.python_backend import asos, imputation, pv, runs, wind
from registry.contracts import API_VERSION, BackendInfo, ImputeOptions, TransformOutput
from registry.hookspecs import TRANSFORMS, hookimpl

NAME = "python"


def _version() -> str:
    try:
        return version("energy-pipeline")
    except PackageNotFoundError:  # running from a source tree without install
        return "0+unknown"


@hookimpl
def energy_backend_info() -> BackendInfo:
    return BackendInfo(
        name=NAME, version=_version(), api_version=API_VERSION, transforms=TRANSFORMS
    )


@hookimpl
def find_missing_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return runs.find_missing_runs(values)


@hookimpl
def impute_missing_values(
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return imputation.impute_missing_values(frame, options, history, limits)


@hookimpl
def wind_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    hour_label: str,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return wind.wind_to_long(payload, hour_label, limits)


@hookimpl
def pv_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return pv.pv_to_long(payload, limits)


@hookimpl
def asos_to_frame(
    payload: bytes | Sequence[bytes | str],
    fields: Sequence[str],
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return asos.asos_to_frame(payload, fields, limits)
