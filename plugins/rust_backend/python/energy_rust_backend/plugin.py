"""The ``rust`` backend's pluggy plugin: the handshake and one hook per transform.

Importing this module imports the native module; when that was never built,
the import raises ``BackendUnavailable`` and the registry lists ``rust`` as
absent with the reason (see :mod:`energy_rust_backend._loader`). The hooks
only adapt arguments: the work happens in Rust, the frames are built with the
python backend's frame builders so both backends' dtypes are identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from energy_rust_backend import NAME, imputation, payloads, runs
from energy_rust_backend._loader import load_native
from foundations.settings import LimitSettings
from registry.contracts import BackendInfo, ImputeOptions, TransformOutput
from registry.hookspecs import TRANSFORMS, hookimpl

native = load_native()


@hookimpl
def energy_backend_info() -> BackendInfo:
    # The contract version compiled into the native module, not a Python
    # constant: a stale build reports its old version and the registry refuses it.
    return BackendInfo(
        name=NAME,
        version=str(native.__version__),
        api_version=int(native.API_VERSION),
        transforms=TRANSFORMS,
    )


@hookimpl
def find_missing_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return runs.find_missing_runs(native, values)


@hookimpl
def impute_missing_values(
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return imputation.impute_missing_values(native, frame, options, history, limits)


@hookimpl
def wind_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    hour_label: str,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return payloads.wind_to_long(native, payload, hour_label, limits)


@hookimpl
def pv_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return payloads.pv_to_long(native, payload, limits)


@hookimpl
def asos_to_frame(
    payload: bytes | Sequence[bytes | str],
    fields: Sequence[str],
    limits: LimitSettings | None = None,
) -> TransformOutput:
    return payloads.asos_to_frame(native, payload, fields, limits)
