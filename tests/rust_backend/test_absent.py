"""Without its native module the rust backend is absent, with a reason that says how to fix it."""

from __future__ import annotations

import importlib
import sys

import pytest

from registry import BackendUnavailable, discover_backends

NATIVE = "energy_rust_backend._native"


@pytest.fixture
def hidden_native(rust_available: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``energy_rust_backend._native`` unimportable, as on a machine that never built it."""
    import energy_rust_backend

    monkeypatch.setitem(sys.modules, NATIVE, None)  # `import` now raises ModuleNotFoundError
    monkeypatch.delattr(energy_rust_backend, "_native", raising=False)
    # The entry point must import the plugin afresh, as a new process would.
    monkeypatch.delitem(sys.modules, "energy_rust_backend.plugin", raising=False)


def test_missing_native_module_makes_rust_absent(hidden_native: None) -> None:
    backends = discover_backends()
    assert "rust" not in backends.available
    reason = backends.absent["rust"]
    assert NATIVE in reason
    assert "uv sync --extra rust" in reason and "maturin develop" in reason
    with pytest.raises(BackendUnavailable, match="not installed"):
        backends.implementation("rust", "find_missing_runs")
    # The python backend is unaffected.
    assert "python" in backends.available


def test_other_import_errors_propagate(
    rust_available: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the native module's own absence is 'unavailable'; a missing dependency is a bug."""
    from energy_rust_backend import _loader

    def broken(name: str) -> None:
        raise ModuleNotFoundError("No module named 'numpy'", name="numpy")

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError) as info:
        _loader.load_native()
    assert info.value.name == "numpy"
