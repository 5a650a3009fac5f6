"""Import the native module, or say precisely why the backend is unavailable.

Only the native module's own absence becomes ``BackendUnavailable`` (the
registry then lists ``rust`` as absent with this reason). Any other import
error -- a broken build, an ABI mismatch, a missing dependency of the glue --
propagates, because hiding it would turn a real defect into a silent fallback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from foundations.errors import BackendUnavailable

NATIVE_MODULE = "energy_rust_backend._native"

HOW_TO_BUILD = (
    "build it with `uv sync --extra rust` from the repository root (needs cargo), or "
    "`cd plugins/rust_backend && uv run --no-sync maturin develop --release`"
)


def load_native() -> ModuleType:
    # import_module, not `from energy_rust_backend import _native`: the latter
    # reports a missing submodule as a plain ImportError without its name.
    try:
        native = importlib.import_module(NATIVE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != NATIVE_MODULE:
            raise
        raise BackendUnavailable(
            "rust", f"the compiled module {NATIVE_MODULE} is not installed; {HOW_TO_BUILD}"
        ) from exc
    return native
