"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest
import typer

from energy_cli.impute_command import register


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def version() -> None:  # a second command, so typer keeps "impute" as a sub-command name
        """Unused."""

    return app
