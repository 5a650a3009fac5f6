"""A Rust panic reaches Python as an ordinary exception, and the registry can fall back on it."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from registry import Registry, discover_backends, load_settings


class _PanickingNative:
    """The real native module, except that T1 runs into a real Rust panic."""

    def __init__(self, native: ModuleType) -> None:
        self._native = native
        self.find_missing_runs = native._panic_for_tests

    def __getattr__(self, name: str) -> object:
        return getattr(self._native, name)


def test_panic_is_an_ordinary_exception(native: ModuleType) -> None:
    with pytest.raises(native.RustPanic, match="deliberate panic") as info:
        native._panic_for_tests()
    # Not PyO3's PanicException, which derives from BaseException only.
    assert isinstance(info.value, RuntimeError)


def _registry(policy: str) -> Registry:
    settings = load_settings("test", backends={"default": "python", "failure_policy": policy})
    return Registry(settings, discover_backends(), environ={})


def test_registry_falls_back_to_python_on_a_panic(
    native: ModuleType, rust_hooks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rust_hooks, "native", _PanickingNative(native))
    values = np.array([1.0, np.nan, np.nan, 2.0])
    result = _registry("fallback").call("find_missing_runs", values, backend="rust")
    assert result.record.requested == "rust"
    assert result.record.used == "python"
    assert "RustPanic" in (result.record.fallback_reason or "")
    starts, lengths = result.value
    assert starts.tolist() == [1] and lengths.tolist() == [2]


def test_policy_raise_surfaces_the_panic(
    native: ModuleType, rust_hooks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rust_hooks, "native", _PanickingNative(native))
    with pytest.raises(native.RustPanic):
        _registry("raise").call("find_missing_runs", np.array([np.nan]), backend="rust")
