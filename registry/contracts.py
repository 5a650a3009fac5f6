"""Data types shared by the hook specs, every backend and the callers.

Kept apart from the hook specs so that a backend can import them without
importing pluggy machinery, and so that the Rust backend's Python glue and the
python backend build exactly the same result objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from foundations.fill_methods import FillMethod

__all__ = ["API_VERSION", "BackendInfo", "FillMethod", "ImputeOptions", "TransformOutput"]

#: Version of the hook contract. A backend reports the version it implements
#: in its handshake (``energy_backend_info``); the registry refuses a backend
#: whose version differs, so a stale compiled module can never run silently.
API_VERSION = 1


@dataclass(frozen=True)
class BackendInfo:
    """What a backend says about itself in its handshake."""

    name: str
    version: str
    api_version: int
    #: The transforms this backend says it implements; the registry checks the
    #: claim against the hook implementations it actually registered.
    transforms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImputeOptions:
    """Options of T2 ``impute_missing_values``."""

    time_col: str = "tm"
    station_col: str = "stnNm"
    columns: tuple[str, ...] = ("ta", "hm")
    max_spline_gap: int = 3
    with_methods: bool = False


@dataclass
class TransformOutput:
    """The result of a frame-producing transform (T2 to T5).

    ``report`` holds counts only (ints, or nested dicts of ints keyed by names
    or, for T2's gap lengths, by int), so two backends' reports compare with ``==``. ``methods`` is T2's per-row
    method codes (``FillMethod`` values, one int8 column per imputed column),
    present only when requested.
    """

    frame: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)
    methods: dict[str, np.ndarray] | None = None

    @property
    def rows(self) -> int:
        return len(self.frame)
