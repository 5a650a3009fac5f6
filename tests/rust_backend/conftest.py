"""Fixtures of the rust-specific tests: the native module, and both backends' hooks.

Every test here needs the compiled module; when the rust backend is absent
they skip with the registry's reason (or fail, when ``ENERGY_REQUIRE_BACKENDS``
names rust, as CI sets it) -- never pass silently.
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest

from registry.discovery import Backends


@pytest.fixture(scope="session")
def rust_available(discovered_backends: Backends) -> None:
    if "rust" not in discovered_backends.available:
        reason = discovered_backends.absent.get("rust", "not installed")
        required = {n.strip() for n in os.environ.get("ENERGY_REQUIRE_BACKENDS", "").split(",")}
        if "rust" in required:
            pytest.fail(f"backend 'rust' is absent: {reason} (required by ENERGY_REQUIRE_BACKENDS)")
        pytest.skip(f"backend 'rust' is absent: {reason}")


@pytest.fixture
def native(rust_available: None) -> ModuleType:
    from energy_rust_backend import plugin

    return plugin.native


@pytest.fixture
def rust_hooks(rust_available: None) -> ModuleType:
    from energy_rust_backend import plugin

    return plugin


@pytest.fixture
def python_hooks() -> ModuleType:
    import plugins.python_backend as hooks

    return hooks
