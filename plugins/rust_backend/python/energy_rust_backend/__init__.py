"""The ``rust`` backend of the energy-pipeline transform registry.

The transforms are computed by the compiled module ``energy_rust_backend._native``
(PyO3, built from ``plugins/rust_backend/crates``); the registry loads
:mod:`energy_rust_backend.plugin` through the ``energy_backends`` entry point.
This package imports nothing native by itself, so it stays importable (for
docs and tooling) even when the native module was never built.
"""

from __future__ import annotations

NAME = "rust"
