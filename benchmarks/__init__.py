"""Report generators for the measurements in ``docs/`` (``python -m benchmarks.<name>``):
seeded data (generator), timing/memory helpers (measure), the legacy-style baseline,
profiling, and one module per report (phase0, rust_vs_python, quota_use, db_load).

Not part of the wheel and not collected by pytest; their smoke tests are in
``tests/benchmarks/``. ``db_load`` starts its throwaway PostgreSQL cluster with the
test helper ``tests.postgres_server``.
"""
