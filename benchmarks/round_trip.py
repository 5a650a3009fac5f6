"""The empty-call round trip: T1 on an empty array, through each hook and through the registry."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

import plugins.python_backend as python_hooks
from benchmarks.measure import Timing, micro_time
from benchmarks.phase1_verdicts import ROUND_TRIP_HOOK, ROUND_TRIP_REGISTRY
from registry import Registry, discover_backends, load_settings

ROUND_TRIP_JSON_LOG = "registry.call(..., backend='rust'), call log rendered as JSON"


def measure_round_trip() -> dict[str, Timing]:
    from energy_rust_backend import plugin as rust_hooks

    empty = np.empty(0)
    # No shadow tables: the test environment shadows every transform with rust,
    # which would time two backends and a comparison on the python path.
    settings = load_settings(
        "test", backends={"default": "python", "failure_policy": "raise"}
    ).model_copy(update={"transforms": {}})
    registry = Registry(settings, discover_backends(), environ={})

    def call(backend: str) -> Callable[[], object]:
        return lambda: registry.call("find_missing_runs", empty, backend=backend)

    import structlog

    from foundations.log_config import configure_logging
    from foundations.settings import LoggingSettings

    try:
        # Dispatch alone: the per-call log event is dropped by level, as when
        # an environment logs at WARNING.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        timings = {
            "native module (_native.find_missing_runs)": micro_time(lambda: rust_hooks.native.find_missing_runs(empty)),
            ROUND_TRIP_HOOK: micro_time(lambda: rust_hooks.find_missing_runs(empty)),
            "python hook": micro_time(lambda: python_hooks.find_missing_runs(empty)),
            ROUND_TRIP_REGISTRY: micro_time(call("rust")),
            "registry.call(..., backend='python'), call log filtered out": micro_time(call("python")),
        }  # fmt: skip
        # As in production: the call record rendered as a JSON log line (to a
        # discarded sink, so terminal speed is not measured).
        configure_logging(LoggingSettings(format="json", level="INFO"))
        structlog.configure(logger_factory=structlog.ReturnLoggerFactory())
        timings[ROUND_TRIP_JSON_LOG] = micro_time(call("rust"))
    finally:
        structlog.reset_defaults()
        logging.basicConfig(force=True)
    return timings
