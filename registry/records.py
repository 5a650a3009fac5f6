"""The record of one transform call, logged with structlog and returned to the caller."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ShadowOutcome:
    """What a shadow run found. ``outcome`` is ``match``, ``mismatch`` or ``error``."""

    backend: str
    outcome: str
    duration_s: float
    summary: str = ""


@dataclass(frozen=True)
class CallRecord:
    """One call: which backend was asked for, which ran, why, and how long it took."""

    transform: str
    requested: str
    used: str
    rule: str
    input_rows: int | None
    rows: int | None
    duration_s: float
    fallback_reason: str | None = None
    shadow: ShadowOutcome | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def log_fields(self) -> dict[str, Any]:
        # Built by hand: dataclasses.asdict deep-copies and costs more than the
        # whole call of a small transform.
        fields: dict[str, Any] = {
            "transform": self.transform,
            "requested": self.requested,
            "used": self.used,
            "rule": self.rule,
            "input_rows": self.input_rows,
            "rows": self.rows,
            "duration_s": self.duration_s,
            "fallback_reason": self.fallback_reason,
        }
        if self.shadow is not None:
            fields.update(
                shadow_backend=self.shadow.backend,
                shadow_outcome=self.shadow.outcome,
                shadow_duration_s=self.shadow.duration_s,
            )
            if self.shadow.summary:
                fields["shadow_summary"] = self.shadow.summary
        return fields


@dataclass(frozen=True)
class CallResult:
    """What :meth:`registry.Registry.call` returns: the hook's value and its record."""

    value: Any
    record: CallRecord
