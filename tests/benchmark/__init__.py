"""Phase 0 benchmarks: seeded data (generator), timing/memory helpers (measure),
the legacy-style baseline, and the report generator (``python -m tests.benchmark.phase0``).

Modules here are not collected as tests (no ``test_`` prefix) except the
small smoke tests in ``test_*.py``.
"""
