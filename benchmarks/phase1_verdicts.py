"""Verdicts computed from the measurements: the seed plan's Go/No-Go and issue 11's targets.

Nothing here is asserted by hand: every verdict is a comparison of a measured
number with a bar, and a target whose case was not measured in this run says
so instead of passing or failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.phase1_cases import T2
from benchmarks.phase1_results import CaseResult, Results
from registry.equivalence import RELATIVE_TOLERANCE

#: Phase 1 success (seed plan section 9): at least a 50% cut in wall time...
GO_REDUCTION = 0.5
#: ... at the Phase 0 -> 1 entry size and above: at least 10,000 rows.
ENTRY_ROWS = 10_000
#: The registry path whose round trip the < 20 µs target is about.
ROUND_TRIP_HOOK = "rust hook (validation + native)"
ROUND_TRIP_REGISTRY = "registry.call(..., backend='rust'), call log filtered out"

MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"


@dataclass(frozen=True)
class Decision:
    transform: str
    group: str
    decision: str
    why: str


@dataclass(frozen=True)
class Target:
    target: str
    bar: str
    measured: str
    verdict: str
    #: How far from the bar, when missed (empty otherwise).
    shortfall: str = ""


def decide(cases: list[CaseResult]) -> tuple[str, str]:
    """Go / No-Go of one transform on one input shape (seed plan section 9)."""
    differing = [c for c in cases if not c.equivalent]
    if differing:
        return "No-Go", "outputs differ from the python backend at " + ", ".join(
            c.label for c in differing
        )
    large = [c for c in cases if c.rows >= ENTRY_ROWS]
    if not large:
        return "not decided", f"no measured case reaches {ENTRY_ROWS:,} output rows"
    worst = min(large, key=lambda c: c.reduction)
    scope = f"{len(large)} case(s) with >= {ENTRY_ROWS:,} output rows"
    if worst.reduction >= GO_REDUCTION:
        return "Go", (
            f"wall time cut by >= {worst.reduction:.1%} ({worst.ratio:.1f}x) in every one of "
            f"{scope}; outputs equivalent"
        )
    return "No-Go", (
        f"wall time cut only {worst.reduction:.1%} ({worst.ratio:.2f}x) at {worst.label} "
        f"({scope}; the bar is a {GO_REDUCTION:.0%} cut = 2x)"
    )


def decisions(results: Results) -> list[Decision]:
    return [
        Decision(transform, group, *decide(results.of_group(transform, group)))
        for transform, group in results.groups()
    ]


def _speedup_target(target: str, case: CaseResult | None, bar: float) -> Target:
    if case is None:
        return Target(target, f">= {bar:g}x", "-", NOT_MEASURED)
    measured = f"{case.ratio:.2f}x (python {_fmt_s(case.python.median_wall_s)}, rust {_fmt_s(case.rust.median_wall_s)})"
    if case.ratio >= bar:
        return Target(target, f">= {bar:g}x", measured, MET)
    return Target(
        target, f">= {bar:g}x", measured, MISSED,
        f"rust would need to be {bar / case.ratio:.1f}x faster than now "
        f"(rust at most {_fmt_s(case.python.median_wall_s / bar)})",
    )  # fmt: skip


def _find(results: Results, transform: str, group: str, requested: int) -> CaseResult | None:
    for case in results.of_group(transform, group):
        if case.requested == requested:
            return case
    return None


def _t2_targets(results: Results) -> list[Target]:
    out = []
    shapes = list(dict.fromkeys(c.group.split("/")[0] for c in results.cases if c.transform == T2))
    for shape in shapes:
        for form, bar_1m in (("text", 6.0), ("datetime64", 10.0)):
            group = f"{shape}/{form}"
            what = "string-time text CSV" if form == "text" else "datetime64"
            out.append(
                _speedup_target(
                    f"T2 whole call, 1M rows, {shape} shape, {what} input",
                    _find(results, T2, group, 1_000_000),
                    bar_1m,
                )
            )
            out.append(
                _speedup_target(
                    f"T2 whole call, 10k rows, {shape} shape, {what} input",
                    _find(results, T2, group, 10_000),
                    2.0,
                )
            )
    out += _t2_memory_targets(results)
    return out


def _t2_memory_targets(results: Results) -> list[Target]:
    out = []
    for transform, group in results.groups():
        if transform != T2:
            continue
        cases = results.of_group(transform, group)
        case = max(cases, key=lambda c: c.size)
        target = f"T2 rust peak RSS <= python's, {group.replace('/', ', ')}, {case.label}"
        if case.rss_python is None or case.rss_rust is None:
            out.append(Target(target, "rust <= python", "-", NOT_MEASURED))
            continue
        py, rs = case.rss_python.delta_bytes, case.rss_rust.delta_bytes
        measured = f"python {_mib(py)}, rust {_mib(rs)}"
        if rs <= py:
            out.append(Target(target, "rust <= python", measured, MET))
        else:
            out.append(
                Target(
                    target, "rust <= python", measured, MISSED, f"rust uses {_mib(rs - py)} more"
                )
            )
    return out


def _batch_targets(results: Results) -> list[Target]:
    out = [
        _speedup_target(
            "T3 whole call, 1,000 pages of 100 records",
            _find(results, "wind_to_long", "batch", 1_000),
            20.0,
        ),
        _speedup_target(
            "T4 whole call, 1,000 day bodies", _find(results, "pv_to_long", "batch", 1_000), 20.0
        ),
    ]
    t4 = _find(results, "pv_to_long", "batch", 1_000)
    target = "T4 rust time per body amortised, 1,000 day bodies"
    per_body = t4.per_body_s("rust") if t4 else None
    if per_body is None:
        out.append(Target(target, "< 20 µs", "-", NOT_MEASURED))
    elif per_body < 20e-6:
        out.append(Target(target, "< 20 µs", _fmt_s(per_body), MET))
    else:
        out.append(
            Target(
                target, "< 20 µs", _fmt_s(per_body), MISSED,
                f"{_fmt_s(per_body - 20e-6)} over ({per_body / 20e-6:.1f}x the bar)",
            )
        )  # fmt: skip
    return out


def _round_trip_targets(results: Results) -> list[Target]:
    out = []
    for name, what in ((ROUND_TRIP_HOOK, "hook"), (ROUND_TRIP_REGISTRY, "registry")):
        timing = results.round_trip.get(name)
        target = f"empty-call round trip through the {what}: {name}"
        if timing is None:
            out.append(Target(target, "< 20 µs", "-", NOT_MEASURED))
            continue
        s = timing.median_wall_s
        if s < 20e-6:
            out.append(Target(target, "< 20 µs", _fmt_s(s), MET))
        else:
            out.append(
                Target(target, "< 20 µs", _fmt_s(s), MISSED, f"{_fmt_s(s - 20e-6)} over the bar")
            )
    return out


def _equivalence_target(results: Results) -> Target:
    target = f"equivalence within {RELATIVE_TOLERANCE:g} (registry.equivalence) on every case"
    if not results.cases:
        return Target(target, "every case", "-", NOT_MEASURED)
    bad = [c for c in results.cases if not c.equivalent]
    measured = f"{len(results.cases) - len(bad)} of {len(results.cases)} cases equivalent"
    if not bad:
        return Target(target, "every case", measured, MET)
    return Target(
        target, "every case", measured, MISSED, "differs: " + ", ".join(c.name for c in bad)
    )


def targets(results: Results) -> list[Target]:
    """Issue 11's targets, each met, missed (and by how much) or not measured in this run."""
    return (
        _t2_targets(results)
        + _batch_targets(results)
        + _round_trip_targets(results)
        + [_equivalence_target(results)]
    )


def _fmt_s(s: float) -> str:
    return f"{s * 1e6:,.1f} µs" if s < 1e-3 else f"{s * 1e3:,.2f} ms" if s < 1 else f"{s:,.2f} s"


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"
