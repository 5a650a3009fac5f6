"""Schema-drift check of a run's bodies against the baseline kept in the database.

The comparison and the policy are :mod:`sources.schema_drift`'s: a field the
transform contract needs, missing from bodies that have records, stops the run
(:class:`~sources.schema_drift.SchemaDriftError`) before anything is parsed or
loaded; every other difference is a warning for the log, the run log and the
notification. The baseline lives in ``source_signatures`` so every worker
sharing the database shares it; it is rewritten only when it gains something,
so a re-run with the same payloads leaves the table as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline import logs
from sources.schema_drift import Signature, compare, merge, signature_of
from storage.facade import Storage


def check_drift(
    storage: Storage, source: str, bodies: Sequence[bytes], *, extra_required: Sequence[str] = ()
) -> list[str]:
    """Warnings for ``bodies`` of ``source``; raises ``SchemaDriftError`` on a contract break."""
    if not bodies:
        return []  # nothing fetched (all days present, or no data): nothing to judge
    current = signature_of(source, bodies)
    baseline = storage.get_signature(source)
    report = compare(baseline, current, extra_required=extra_required)
    if report.missing_required:
        logs.error("schema.drift_breaking", source=source, missing=report.missing_required)
    report.raise_for_required()
    warnings = report.warnings()
    for warning in warnings:
        logs.warning("schema.drift", source=source, warning=warning)
    if current["records"]:
        merged = merge(baseline, current)
        if baseline is None or not _same_shape(baseline, merged):
            storage.put_signature(source, merged)
    return warnings


def _same_shape(a: Signature, b: Signature) -> bool:
    # Record counts grow with every merge; only fields and envelope make a new baseline.
    return bool(a["fields"] == b["fields"] and a["envelope"] == b["envelope"])
