"""Shared fixtures: the conformance parametrisation over backends, and a clean environment.

``backend`` runs a test once per known backend (python, rust, and any other
installed through the ``energy_backends`` entry points). An absent backend
skips with the registry's reason, never passes silently; set
``ENERGY_REQUIRE_BACKENDS=python,rust`` (CI does) to turn that skip into a
failure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
import structlog

from registry import Registry, Settings, discover_backends, known_backends, load_settings
from registry.discovery import Backends

pytest_plugins = ["tests.postgres_server"]

# pandas 3 stores `str` columns in Arrow when pyarrow is installed (it is: the
# Parquet support needs it) and in numpy object arrays otherwise. Production
# sees either, so `scripts/dev test` runs its second pass with
# ENERGY_TEST_STRING_STORAGE=python. Set before any test builds a frame.
_STRING_STORAGE = os.environ.get("ENERGY_TEST_STRING_STORAGE")
if _STRING_STORAGE:
    pd.set_option("mode.string_storage", _STRING_STORAGE)


def pytest_report_header() -> str:
    storage = pd.get_option("mode.string_storage")
    effective = pd.Series(["x"]).array.__class__.__name__
    return f"pandas {pd.__version__}, string storage: {storage} ({effective})"


#: Variables that belong to the test harness itself, not to the settings under test.
_HARNESS_VARS = ("ENERGY_TEST_", "ENERGY_REQUIRE_BACKENDS")


@pytest.fixture(autouse=True)
def _clean_energy_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests see no ENERGY_* variable from the developer's shell (ENERGY_BACKEND=rust, say),
    and no logging set-up left behind by an earlier test's command."""
    for var in list(os.environ):
        if var.startswith("ENERGY_") and not var.startswith(_HARNESS_VARS):
            monkeypatch.delenv(var)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    root.handlers[:], root.level = handlers, level


@pytest.fixture(scope="session")
def discovered_backends() -> Backends:
    return discover_backends()


def _required_backends() -> set[str]:
    raw = os.environ.get("ENERGY_REQUIRE_BACKENDS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


@pytest.fixture(params=known_backends())
def backend(request: pytest.FixtureRequest, discovered_backends: Backends) -> str:
    """Each known backend in turn; absent ones skip (or fail, if required) with the reason."""
    name: str = request.param
    if name not in discovered_backends.available:
        reason = discovered_backends.absent.get(name, "not installed")
        message = f"backend {name!r} is absent: {reason}"
        if name in _required_backends():
            pytest.fail(message + " (required by ENERGY_REQUIRE_BACKENDS)")
        pytest.skip(message)
    return name


@pytest.fixture
def raise_settings() -> Settings:
    """The test environment with failure policy ``raise`` and no shadow runs.

    A backend error must surface, and each test times and checks one backend.
    (TOML tables merge with init arguments, so the shadow tables are dropped by copy.)
    """
    settings = load_settings("test", backends={"default": "python", "failure_policy": "raise"})
    return settings.model_copy(update={"transforms": {}})


@pytest.fixture
def call_transform(
    backend: str, raise_settings: Settings, discovered_backends: Backends
) -> Iterator[Callable[..., Any]]:
    """``call_transform(name, *args, **kwargs)``: run ``backend``'s implementation via the registry."""
    registry = Registry(raise_settings, discovered_backends, environ={})

    def call(transform: str, *args: Any, **kwargs: Any) -> Any:
        result = registry.call(transform, *args, backend=backend, **kwargs)
        assert result.record.used == backend, result.record
        return result.value

    yield call
