"""What the Phase 1 benchmark measured: one record per case, plus the run's context."""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.measure import Timing
from benchmarks.rss_probe import RssPeak


@dataclass
class CaseResult:
    name: str
    transform: str
    group: str
    #: The size asked for (rows or bodies, from the case name).
    requested: int
    #: The size built (T2 rounds rows up to whole station series).
    size: int
    unit: str
    #: Output rows (the seed plan's size measure for the >= 10k rows rule).
    rows: int
    python: Timing
    rust: Timing
    equivalent: bool
    first_difference: str = ""
    details: str = ""
    rss_python: RssPeak | None = None
    rss_rust: RssPeak | None = None
    #: T2 only, when the installed rust glue exposes its kernel: the kernels alone.
    kernels_note: str = ""

    @property
    def ratio(self) -> float:
        return self.python.median_wall_s / self.rust.median_wall_s

    @property
    def cpu_ratio(self) -> float:
        return self.python.median_cpu_s / self.rust.median_cpu_s

    @property
    def reduction(self) -> float:
        return 1.0 - self.rust.median_wall_s / self.python.median_wall_s

    @property
    def label(self) -> str:
        unit = "body" if self.unit == "bodies" and self.size == 1 else self.unit
        return f"{self.size:,} {unit}"

    def per_body_s(self, backend: str) -> float | None:
        """Wall time per body, amortised over the batch (batches only)."""
        if self.unit != "bodies" or not self.size:
            return None
        timing = self.python if backend == "python" else self.rust
        return timing.median_wall_s / self.size


@dataclass
class Results:
    cases: list[CaseResult] = field(default_factory=list)
    round_trip: dict[str, Timing] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)
    string_storage: str = ""
    command: str = "uv run python -m benchmarks.rust_vs_python"
    quick: bool = False
    #: Set when the RSS probes were skipped (never in a report meant to be read).
    rss_measured: bool = True
    #: Free text for the report's head, e.g. "measured under load".
    note: str = ""
    #: Every case the run set out to measure (a stopped run measured fewer).
    planned: list[str] = field(default_factory=list)

    def not_measured(self) -> list[str]:
        done = {c.name for c in self.cases}
        return [name for name in self.planned if name not in done]

    def groups(self) -> list[tuple[str, str]]:
        """(transform, group) pairs in the order they were measured."""
        return list(dict.fromkeys((c.transform, c.group) for c in self.cases))

    def of_group(self, transform: str, group: str) -> list[CaseResult]:
        return [c for c in self.cases if c.transform == transform and c.group == group]
