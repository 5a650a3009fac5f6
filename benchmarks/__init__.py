"""Report generators for the measurements in ``docs/`` (``python -m benchmarks.<name>``):
seeded data (generator), timing/memory helpers (measure), the legacy-style baseline,
profiling, and one module per report (phase0, rust_vs_python, quota_use, db_load).
The Phase 1 report (rust_vs_python) is split by job: its cases and inputs
(phase1_cases, t2_inputs, rust_payloads), the per-case peak-RSS subprocess
(rss_probe), the empty-call round trip (round_trip), the optional T2 kernels-only
timing (t2_kernels), the verdicts (phase1_verdicts) and the rendering (phase1_report).

Not part of the wheel and not collected by pytest; their smoke tests are in
``tests/benchmarks/``. ``db_load`` starts its throwaway PostgreSQL cluster with the
test helper ``tests.postgres_server``.
"""
