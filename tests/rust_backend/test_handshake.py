"""The handshake reports the contract version compiled into the native module."""

from __future__ import annotations

from importlib.metadata import version
from types import ModuleType

import pytest

from registry import API_VERSION, TRANSFORMS, discover_backends


def test_rust_registers_with_every_transform(native: ModuleType) -> None:
    backends = discover_backends()
    info = backends.available["rust"]
    assert info.api_version == native.API_VERSION == API_VERSION
    assert info.transforms == TRANSFORMS
    assert backends.implemented("rust") == TRANSFORMS


def test_native_and_package_versions_agree(native: ModuleType) -> None:
    # Cargo's version is compiled in; the wheel's comes from pyproject.toml.
    # A mismatch means a native module left over from another build.
    assert native.__version__ == version("energy-rust-backend")


def test_stale_native_module_is_refused(
    native: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a .so built against another contract version reports.
    monkeypatch.setattr(native, "API_VERSION", API_VERSION + 1)
    backends = discover_backends()
    assert "rust" not in backends.available
    reason = backends.absent["rust"]
    assert "contract version mismatch" in reason
    assert f"API {API_VERSION + 1}" in reason
