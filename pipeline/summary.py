"""What one flow run did: counts, backends per transform, fills, warnings, outcome.

A :class:`FlowSummary` is filled in as the run goes, then written to the run
log (storage), a Prefect artifact, the notification and the CLI's table, so
all four always say the same thing.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from registry.records import CallRecord


@dataclass
class FlowSummary:
    """The outcome of one run of one flow (weather, wind or PV)."""

    flow: str
    #: The source the flow reads (``asos``, ``wind``, ``pv``).
    source: str
    #: The period the run covered, for people: ``2024-01-31``, ``2024-01``, ``2024-01-01..2024-01-07``.
    period: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    status: str = "running"
    #: Response bodies received from the source.
    bodies: int = 0
    #: Rows the parsers produced from those bodies.
    rows_fetched: int = 0
    #: Rows written to the database.
    rows_loaded: int = 0
    #: Imputed column -> fill method -> rows (weather only).
    filled: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Imputed column -> rows left missing (weather only).
    unfilled: dict[str, int] = field(default_factory=dict)
    #: Every transform call of the run, in order.
    records: list[CallRecord] = field(default_factory=list)
    drift_warnings: list[str] = field(default_factory=list)
    #: Flow-specific counts (days asked, days without data, duplicates, ...).
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    _clock_start: float = field(default_factory=time.perf_counter, repr=False)

    def finish(self, status: str, error: str | None = None) -> None:
        """Close the summary with its final status: ``completed``, ``failed``, ``cancelled``,
        ``stopped`` (the day's request budget was spent; what was fetched is loaded)
        or ``partial`` (some units failed, the others are loaded)."""
        self.status = status
        self.error = error
        self.finished_at = datetime.now(UTC)
        self.details["wall_time_s"] = round(time.perf_counter() - self._clock_start, 3)

    @property
    def wall_time_s(self) -> float | None:
        return self.details.get("wall_time_s")

    def backends(self) -> dict[str, str]:
        """Transform -> backend that ran it; ``a+b`` if calls of one transform differed (fallbacks)."""
        used: dict[str, list[str]] = {}
        for record in self.records:
            names = used.setdefault(record.transform, [])
            if record.used not in names:
                names.append(record.used)
        return {transform: "+".join(names) for transform, names in used.items()}

    def backend_rows(self) -> list[dict[str, Any]]:
        """One row per (transform, requested, used, rule): calls, rows, fallback reasons,
        and shadow outcomes counted as ``{"rust match": calls}``."""
        grouped: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        for r in self.records:
            key = (r.transform, r.requested, r.used, r.rule)
            row = grouped.setdefault(
                key,
                {
                    "transform": r.transform,
                    "requested": r.requested,
                    "used": r.used,
                    "rule": r.rule,
                    "calls": 0,
                    "rows": 0,
                    "duration_s": 0.0,
                    "fallback_reasons": [],
                    "shadow": {},
                },
            )
            row["calls"] += 1
            row["rows"] += r.rows or 0
            row["duration_s"] = round(row["duration_s"] + r.duration_s, 6)
            if r.fallback_reason and r.fallback_reason not in row["fallback_reasons"]:
                row["fallback_reasons"].append(r.fallback_reason)
            if r.shadow is not None:
                outcome = f"{r.shadow.backend} {r.shadow.outcome}"
                row["shadow"][outcome] = row["shadow"].get(outcome, 0) + 1
        return list(grouped.values())

    def filled_by_method(self) -> dict[str, int]:
        """Fill method -> rows, summed over the imputed columns."""
        total: Counter[str] = Counter()
        for methods in self.filled.values():
            total.update(methods)
        return dict(sorted(total.items()))

    def report(self) -> dict[str, Any]:
        """The JSON document stored in the run log (``pipeline_runs.report``)."""
        return {
            "period": self.period,
            "bodies": self.bodies,
            "rows_fetched": self.rows_fetched,
            "rows_loaded": self.rows_loaded,
            "filled": self.filled,
            "unfilled": self.unfilled,
            "transforms": self.backend_rows(),
            "drift_warnings": self.drift_warnings,
            "details": self.details,
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: what the Prefect flow returns and ``energy run --json`` prints."""
        return {
            "flow": self.flow,
            "source": self.source,
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "backends": self.backends(),
            "error": self.error,
            **self.report(),
        }
