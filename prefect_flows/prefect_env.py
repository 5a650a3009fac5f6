"""Prefect settings for the embedded default, applied before ``import prefect``.

Prefect reads its settings from the environment when it is imported, so these
must be in ``os.environ`` first; every command that runs a flow calls
:func:`prepare_prefect_environment` and only then imports
:mod:`prefect_flows.flows`. Values the user set explicitly are never replaced.
Measured costs and the reasons for each value: the comments below and
``docs/operations.md`` ("Data directory and PREFECT_HOME").
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

from foundations.settings import Settings

#: The first run on an empty PREFECT_HOME migrates a fresh database (about 32 s
#: measured), beyond Prefect's default 20 s start-up timeout.
STARTUP_TIMEOUT_S = "120"


class PrefectAlreadyImported(RuntimeError):
    """Prefect was imported before its settings were prepared, so they would be ignored."""


def prefect_home(settings: Settings) -> Path:
    """Where the embedded default keeps Prefect's database: inside the project's data dir."""
    return settings.resolved_data_dir() / "prefect"


def prefect_defaults(settings: Settings) -> dict[str, str]:
    """The variables the embedded default needs, with their values."""
    return {
        # Keeps the user's other Prefect work untouched, and lets a second run
        # reuse the migrated database instead of paying the migrations again.
        "PREFECT_HOME": str(prefect_home(settings)),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": STARTUP_TIMEOUT_S,
        # Offline machines otherwise log "Failed to send telemetry" errors.
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def prepare_prefect_environment(
    settings: Settings, environ: MutableMapping[str, str] | None = None
) -> dict[str, str]:
    """Set the embedded default's Prefect variables that are not already set; return those set.

    ``PREFECT_API_URL`` is left alone: unset means Prefect's temporary local
    server (ephemeral mode), set means the user's own server. Raises
    :class:`PrefectAlreadyImported` if Prefect was imported earlier in this
    process with different values, since they would then be silently ignored.
    """
    env = os.environ if environ is None else environ
    applied: dict[str, str] = {}
    for name, value in prefect_defaults(settings).items():
        if not env.get(name):
            env[name] = value
            applied[name] = value
    if applied and environ is None and "prefect" in sys.modules:
        raise PrefectAlreadyImported(
            "prefect was imported before its settings were prepared ("
            + ", ".join(sorted(applied))
            + "); call prepare_prefect_environment() before importing prefect_flows.flows"
        )
    if "PREFECT_HOME" in applied:
        Path(applied["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    return applied
