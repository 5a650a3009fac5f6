"""Find the installed backends, register them with pluggy, check their handshake.

One function builds the plugin manager (like pluggy's eggsample ``host.py``).
A backend is a module found through the ``energy_backends`` entry-point group;
the built-in python backend is registered exactly like any other. A backend
that cannot be used is kept in ``absent`` with the reason, so ``energy
backends`` can say why and the registry can fall back.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from foundations.errors import BackendUnavailable
from registry import hookspecs
from registry.contracts import API_VERSION, BackendInfo
from registry.hookspecs import TRANSFORMS
from registry.selection import ENTRY_POINT_GROUP, FALLBACK_BACKEND, FIRST_PARTY_BACKENDS

#: How to install a first-party backend that has no entry point on this machine.
_INSTALL_HINTS = {
    "rust": "not installed: the energy-rust-backend package is missing; build and install it "
    "with `uv sync --extra rust` (needs cargo), or run `scripts/dev setup`",
}

#: Where the always-present python backend lives, for a source tree that was
#: never installed (no entry-point metadata yet).
_PYTHON_BACKEND_MODULE = "plugins.python_backend"


@dataclass
class Backends:
    """The outcome of discovery: usable backends and absent ones with reasons."""

    manager: pluggy.PluginManager
    available: dict[str, BackendInfo] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)
    _impls: dict[tuple[str, str], Callable[..., Any]] = field(default_factory=dict)

    @property
    def known(self) -> list[str]:
        return sorted(set(self.available) | set(self.absent) | set(FIRST_PARTY_BACKENDS))

    def implementation(self, backend: str, transform: str) -> Callable[..., Any]:
        """The function of ``backend`` implementing ``transform``.

        Raises ``BackendUnavailable`` naming the reason when the backend is absent
        or does not implement the transform.
        """
        try:
            return self._impls[(backend, transform)]
        except KeyError:
            if backend in self.absent:
                raise BackendUnavailable(backend, self.absent[backend]) from None
            if backend in self.available:
                raise BackendUnavailable(backend, f"it does not implement {transform!r}") from None
            raise BackendUnavailable(
                backend, f"not installed (no {ENTRY_POINT_GROUP!r} entry point named {backend!r})"
            ) from None

    def implemented(self, backend: str) -> tuple[str, ...]:
        return tuple(t for t in TRANSFORMS if (backend, t) in self._impls)


def _already_loaded(plugin: object) -> Callable[[], object]:
    """A loader for a plugin object given directly (``extra``)."""
    return lambda: plugin


def discover_backends(extra: Mapping[str, ModuleType | object] | None = None) -> Backends:
    """Build the plugin manager from the entry-point group (plus ``extra`` plugins, for tests)."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    backends = Backends(manager=manager)

    loaders: dict[str, Callable[[], object]] = {
        ep.name: ep.load for ep in entry_points(group=ENTRY_POINT_GROUP)
    }
    loaders.setdefault(FALLBACK_BACKEND, lambda: importlib.import_module(_PYTHON_BACKEND_MODULE))
    for name, plugin in (extra or {}).items():
        loaders[name] = _already_loaded(plugin)

    for name, load in sorted(loaders.items()):
        try:
            plugin = load()
        except BackendUnavailable as exc:
            backends.absent[name] = exc.reason
            continue
        except Exception as exc:  # noqa: BLE001 - a broken third-party plugin must not break the registry
            backends.absent[name] = f"import failed: {type(exc).__name__}: {exc}"
            continue
        reason = _register(backends, name, plugin)
        if reason:
            backends.absent[name] = reason
    for name, hint in _INSTALL_HINTS.items():
        if name not in loaders:
            backends.absent[name] = hint
    return backends


def _register(backends: Backends, name: str, plugin: object) -> str | None:
    """Register one plugin and run its handshake; return why it is unusable, or None."""
    manager = backends.manager
    try:
        manager.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        return f"invalid plugin: {exc}"
    impls = {
        hook: impl.function
        for hook in (*TRANSFORMS, "energy_backend_info")
        for impl in getattr(manager.hook, hook).get_hookimpls()
        if impl.plugin_name == name
    }
    try:
        info_impl = impls.pop("energy_backend_info")
    except KeyError:
        manager.unregister(name=name)
        return "no energy_backend_info handshake hook"
    try:
        info = info_impl()
    except Exception as exc:  # noqa: BLE001 - a failing handshake means the native side is broken
        manager.unregister(name=name)
        return f"handshake failed: {type(exc).__name__}: {exc}"
    problem = _check_handshake(name, info, set(impls))
    if problem:
        manager.unregister(name=name)
        return problem
    backends.available[name] = info
    backends._impls.update({(name, hook): fn for hook, fn in impls.items()})
    return None


def _check_handshake(name: str, info: object, implemented: set[str]) -> str | None:
    if not isinstance(info, BackendInfo):
        return f"handshake returned {type(info).__name__}, expected BackendInfo"
    if info.name != name:
        return f"handshake names itself {info.name!r} but is registered as {name!r}"
    if info.api_version != API_VERSION:
        return (
            f"contract version mismatch: backend implements API {info.api_version}, "
            f"registry expects {API_VERSION} (rebuild/reinstall the backend)"
        )
    claimed = set(info.transforms)
    if claimed != implemented:
        missing = sorted(claimed - implemented)
        unclaimed = sorted(implemented - claimed)
        return (
            "handshake claims do not match hook implementations"
            + (f"; claimed but not implemented: {', '.join(missing)}" if missing else "")
            + (f"; implemented but not claimed: {', '.join(unclaimed)}" if unclaimed else "")
        )
    return None
