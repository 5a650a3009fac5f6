"""The transform registry: hook specs, backend discovery and selection, calls with fallback.

Typical use (what the Prefect flows do)::

    from registry import build_registry

    reg = build_registry()                      # settings for ENERGY_ENV, backends discovered
    result = reg.call("wind_to_long", body, hour_label="end")
    result.value.frame, result.record.used      # the long frame, the backend that ran
"""

from foundations.errors import (
    BackendUnavailable,
    ConfigError,
    EnergyError,
    PortalError,
    TransformInputError,
    UnknownNameError,
)
from foundations.settings import Settings, load_settings
from registry.contracts import API_VERSION, BackendInfo, FillMethod, ImputeOptions, TransformOutput
from registry.discovery import Backends, discover_backends
from registry.dispatch import Registry, build_registry
from registry.equivalence import differences, equivalent
from registry.hookspecs import TRANSFORMS, hookimpl
from registry.records import CallRecord, CallResult, ShadowOutcome
from registry.selection import Choice, known_backends, resolve

__all__ = [
    "API_VERSION",
    "TRANSFORMS",
    "BackendInfo",
    "BackendUnavailable",
    "Backends",
    "CallRecord",
    "CallResult",
    "Choice",
    "ConfigError",
    "EnergyError",
    "FillMethod",
    "ImputeOptions",
    "PortalError",
    "Registry",
    "Settings",
    "ShadowOutcome",
    "TransformInputError",
    "TransformOutput",
    "UnknownNameError",
    "build_registry",
    "differences",
    "discover_backends",
    "equivalent",
    "hookimpl",
    "known_backends",
    "load_settings",
    "resolve",
]
