"""Run a transform on its chosen backend, with fallback, shadow runs and a call record."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import structlog

from foundations.errors import EnergyError, PortalError, TransformInputError
from foundations.settings import Settings, load_settings
from registry.discovery import Backends, discover_backends
from registry.equivalence import differences
from registry.hookspecs import LIMITED_TRANSFORMS
from registry.records import CallRecord, CallResult, ShadowOutcome
from registry.selection import FALLBACK_BACKEND, Choice, resolve, validate_backend_names

log = structlog.get_logger("registry")

#: Errors that are verdicts about the input, identical for every backend: no
#: other backend would do better, so they are never a reason to fall back.
_INPUT_VERDICTS = (TransformInputError, PortalError)


class Registry:
    """The transform registry of one run: settings, discovered backends, call history.

    Build one per flow run (``build_registry()``), so that a flipped environment
    variable or edited TOML takes effect at the next run of a long-lived worker.
    """

    def __init__(
        self,
        settings: Settings,
        backends: Backends,
        *,
        environ: Mapping[str, str] | None = None,
        sample: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.backends = backends
        self._environ = environ
        self._sample = sample
        self._known = backends.known
        # Names in TOML and ENERGY_BACKEND* are checked once, here, so a typo
        # fails before the run fetches anything rather than at its first call.
        validate_backend_names(settings, environ, self._known)
        #: Every call's record, in order; flows put them in run artifacts.
        self.records: list[CallRecord] = []
        #: Shadow outcomes counted per (transform, outcome).
        self.shadow_counts: Counter[tuple[str, str]] = Counter()

    def choose(self, transform: str, backend: str | None = None) -> Choice:
        """The backend that would run ``transform`` now, and the rule that chose it."""
        return resolve(
            transform, self.settings, caller=backend, environ=self._environ, valid=self._known
        )

    def call(
        self, transform: str, *args: Any, backend: str | None = None, **kwargs: Any
    ) -> CallResult:
        """Run ``transform`` (a hook name of :mod:`registry.hookspecs`) and record the call.

        The transforms that read untrusted input (T2-T5) get this environment's
        ``[limits]`` unless the caller passes ``limits`` itself, so every flow
        and command enforces the configured bounds without repeating them.
        """
        if transform in LIMITED_TRANSFORMS and "limits" not in kwargs:
            kwargs["limits"] = self.settings.limits
        choice = self.choose(transform, backend)
        started = time.perf_counter()
        fallback_reason = None
        used = choice.backend
        try:
            value = self.backends.implementation(choice.backend, transform)(*args, **kwargs)
        except _INPUT_VERDICTS:
            raise
        except Exception as exc:
            if choice.failure_policy == "raise" or choice.backend == FALLBACK_BACKEND:
                raise
            fallback_reason = _describe(exc)
            log.warning(
                "transform.fallback",
                transform=transform,
                requested=choice.backend,
                used=FALLBACK_BACKEND,
                rule=choice.rule,
                reason=fallback_reason,
            )
            used = FALLBACK_BACKEND
            started = time.perf_counter()
            value = self.backends.implementation(FALLBACK_BACKEND, transform)(*args, **kwargs)
        duration = time.perf_counter() - started

        shadow = None
        # After a fallback the shadow may be the backend that just failed: running
        # it again would double the failing work and count the failure twice.
        if (
            choice.shadow
            and choice.shadow not in (used, choice.backend)
            and self._sample() < choice.shadow_fraction
        ):
            shadow = self._shadow(transform, choice.shadow, value, args, kwargs)

        record = CallRecord(
            transform=transform,
            requested=choice.backend,
            used=used,
            rule=choice.rule,
            input_rows=_rows(args[0]) if args else None,
            rows=_rows(value),
            duration_s=duration,
            fallback_reason=fallback_reason,
            shadow=shadow,
        )
        self.records.append(record)
        log.info("transform.call", **record.log_fields())
        return CallResult(value=value, record=record)

    def _shadow(
        self,
        transform: str,
        backend: str,
        result: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> ShadowOutcome:
        """Run ``backend`` on the same input and compare; never affects the result."""
        started = time.perf_counter()
        try:
            shadow_value = self.backends.implementation(backend, transform)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a shadow failure is counted, never raised
            outcome = ShadowOutcome(backend, "error", time.perf_counter() - started, _describe(exc))
        else:
            elapsed = time.perf_counter() - started
            compared = _compared_columns(transform, args, kwargs)
            diffs = differences(result, shadow_value, columns=compared)
            outcome = ShadowOutcome(
                backend, "mismatch" if diffs else "match", elapsed, "; ".join(diffs[:3])
            )
        self.shadow_counts[(transform, outcome.outcome)] += 1
        level = log.info if outcome.outcome == "match" else log.warning
        if outcome.outcome == "error" and backend not in self.backends.available:
            # An absent shadow backend fails every call the same way: say so once
            # per process on the console, and keep the per-call records in the log.
            level = log.info
            if backend not in _warned_absent:
                _warned_absent.add(backend)
                log.warning(
                    "shadow.backend_absent",
                    shadow_backend=backend,
                    reason=self.backends.absent.get(backend, "not installed"),
                    effect="every shadow run is counted as an error; results are unaffected",
                )
        level(
            "transform.shadow",
            transform=transform,
            shadow_backend=backend,
            outcome=outcome.outcome,
            shadow_duration_s=outcome.duration_s,
            summary=outcome.summary,
            count=self.shadow_counts[(transform, outcome.outcome)],
        )
        return outcome


#: Shadow backends whose absence was already reported in this process.
_warned_absent: set[str] = set()


def build_registry(
    settings: Settings | None = None,
    *,
    extra_plugins: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Registry:
    """Load settings (unless given), discover backends and return a fresh registry."""
    return Registry(
        settings if settings is not None else load_settings(),
        discover_backends(extra_plugins),
        environ=environ,
    )


def _describe(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, EnergyError) else f"{type(exc).__name__}: {exc}"
    return text[:500]


def _compared_columns(
    transform: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[str, ...] | None:
    """The output columns a shadow comparison of ``transform`` needs; None means all.

    T2's output carries every input column, but only ``options.columns`` are
    computed: the others are the input's own columns by contract, the same in
    both outputs, and comparing a wide frame's passthrough columns cost more
    than the transform. Its method codes and report are still compared.
    """
    if transform != "impute_missing_values":
        return None
    options = kwargs["options"] if "options" in kwargs else args[1] if len(args) > 1 else None
    columns = getattr(options, "columns", None)
    if columns is None or isinstance(columns, str):
        return None
    return tuple(columns)


def _rows(value: Any) -> int | None:
    if isinstance(value, pd.DataFrame | np.ndarray | list):
        return len(value)
    frame = getattr(value, "frame", None)
    if isinstance(frame, pd.DataFrame):
        return len(frame)
    if isinstance(value, tuple) and value and isinstance(value[0], np.ndarray):
        return len(value[0])
    return None
