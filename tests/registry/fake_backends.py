"""Small backend plugins for registry tests: one that works, one that raises, one that lies."""

from __future__ import annotations

from typing import Any

import numpy as np

import plugins.python_backend as python_backend
from registry.contracts import API_VERSION, BackendInfo
from registry.hookspecs import TRANSFORMS, hookimpl


class DelegatingBackend:
    """A backend that runs the python implementations, optionally failing first.

    ``fail_with``: raised by every transform. ``perturb``: added to T1's starts,
    so shadow comparisons see a mismatch. ``calls`` counts calls per transform.
    """

    def __init__(
        self,
        name: str,
        *,
        fail_with: BaseException | None = None,
        perturb: int = 0,
        api_version: int = API_VERSION,
        claims: tuple[str, ...] = TRANSFORMS,
    ) -> None:
        self.name = name
        self.fail_with = fail_with
        self.perturb = perturb
        self.api_version = api_version
        self.claims = claims
        self.calls: dict[str, int] = {}

    def _enter(self, transform: str) -> None:
        self.calls[transform] = self.calls.get(transform, 0) + 1
        if self.fail_with is not None:
            raise self.fail_with

    @hookimpl
    def energy_backend_info(self) -> BackendInfo:
        return BackendInfo(self.name, "0.0.0-test", self.api_version, self.claims)

    @hookimpl
    def find_missing_runs(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._enter("find_missing_runs")
        starts, lengths = python_backend.find_missing_runs(values)
        return starts + self.perturb, lengths

    @hookimpl
    def impute_missing_values(
        self, frame: Any, options: Any, history: Any, limits: Any = None
    ) -> Any:
        self._enter("impute_missing_values")
        return python_backend.impute_missing_values(frame, options, history, limits)

    @hookimpl
    def wind_to_long(self, payload: Any, hour_label: str, limits: Any = None) -> Any:
        self._enter("wind_to_long")
        return python_backend.wind_to_long(payload, hour_label, limits)

    @hookimpl
    def pv_to_long(self, payload: Any, limits: Any = None) -> Any:
        self._enter("pv_to_long")
        return python_backend.pv_to_long(payload, limits)

    @hookimpl
    def asos_to_frame(self, payload: Any, fields: Any, limits: Any = None) -> Any:
        self._enter("asos_to_frame")
        return python_backend.asos_to_frame(payload, fields, limits)


class OnlyRunsBackend:
    """Claims every transform but implements only T1: the registry must refuse it."""

    @hookimpl
    def energy_backend_info(self) -> BackendInfo:
        return BackendInfo("liar", "0.0.0-test", API_VERSION, TRANSFORMS)

    @hookimpl
    def find_missing_runs(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return python_backend.find_missing_runs(values)
