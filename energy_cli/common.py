"""What every ``energy`` command shares: loading settings and the registry, and failing cleanly."""

from __future__ import annotations

import typer

from registry import Registry, Settings, build_registry, load_settings
from registry.errors import EnergyError
from registry.log_config import configure_logging


def fail(message: str) -> typer.Exit:
    """Print an error for a person (no traceback) and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def load_cli_settings(env: str | None) -> Settings:
    """Settings of ``env`` with logging configured; a bad setting exits 2 naming the problem."""
    try:
        settings = load_settings(env)
    except EnergyError as exc:
        raise fail(str(exc)) from None
    configure_logging(settings.logging)
    return settings


def open_registry(env: str | None) -> Registry:
    """A fresh registry for ``env``: what a flow run started now would use."""
    return build_registry(load_cli_settings(env))
