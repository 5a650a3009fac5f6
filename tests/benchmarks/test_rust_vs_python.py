"""Smoke tests of the Phase 1 report generator at tiny sizes (structure only, no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.measure import Timing
from benchmarks.phase1_cases import T2
from benchmarks.phase1_results import CaseResult, Results
from benchmarks.phase1_verdicts import MET, MISSED, NOT_MEASURED, decide, targets
from benchmarks.rss_probe import RssPeak


def _case(
    transform: str, group: str, requested: int, python_s: float, rust_s: float, *, rows: int,
    unit: str = "rows", equivalent: bool = True,
) -> CaseResult:  # fmt: skip
    return CaseResult(
        name=f"{transform}:{group}:{requested}", transform=transform, group=group,
        requested=requested, size=requested, unit=unit, rows=rows,
        python=Timing((python_s,), (python_s,)), rust=Timing((rust_s,), (rust_s,)),
        equivalent=equivalent,
    )  # fmt: skip


def test_decide_is_computed_from_the_cases() -> None:
    go = [_case(T2, "legacy/text", 10_000, 1.0, 0.4, rows=10_032)]
    assert decide(go)[0] == "Go"
    slow = [*go, _case(T2, "legacy/text", 100_000, 1.0, 0.6, rows=100_010)]
    assert decide(slow)[0] == "No-Go" and "40.0%" in decide(slow)[1]
    assert decide([_case(T2, "legacy/text", 1_000, 1.0, 0.1, rows=1_026)])[0] == "not decided"
    differs = [_case(T2, "legacy/text", 10_000, 1.0, 0.1, rows=10_032, equivalent=False)]
    assert decide(differs)[0] == "No-Go"


def test_targets_say_met_missed_by_how_much_or_not_measured() -> None:
    results = Results(
        cases=[
            _case(T2, "legacy/text", 1_000_000, 6.0, 2.0, rows=1_000_008),
            _case(T2, "legacy/text", 10_000, 1.0, 0.2, rows=10_032),
            _case("pv_to_long", "batch", 1_000, 1.0, 0.025, rows=24_000, unit="bodies"),
        ]
    )
    results.cases[0].rss_python = RssPeak("python", 0, 100, "test")
    results.cases[0].rss_rust = RssPeak("rust", 0, 200, "test")
    by_name = {t.target: t for t in targets(results)}
    big = by_name["T2 whole call, 1M rows, legacy shape, string-time text CSV input"]
    assert big.verdict == MISSED and "2.0x faster" in big.shortfall
    assert (
        by_name["T2 whole call, 10k rows, legacy shape, string-time text CSV input"].verdict == MET
    )
    assert by_name["T3 whole call, 1,000 pages of 100 records"].verdict == NOT_MEASURED
    assert by_name["T4 whole call, 1,000 day bodies"].verdict == MET
    per_body = by_name["T4 rust time per body amortised, 1,000 day bodies"]
    assert per_body.verdict == MISSED and "over" in per_body.shortfall  # 25 µs per body
    memory = [t for t in targets(results) if t.target.startswith("T2 rust peak RSS")]
    assert [t.verdict for t in memory] == [MISSED]


def test_report_at_tiny_sizes_has_every_section(tmp_path: Path) -> None:
    pytest.importorskip("energy_rust_backend")
    from benchmarks.phase1_report import RSS_HEADER, plot, write_report
    from benchmarks.rust_vs_python import Plan, run

    plan = Plan(t2_rows=(228,), batch_bodies=(1, 2), rss=False)
    results = run(plan, quick=True, command="test")
    out, image = tmp_path / "report.md", tmp_path / "img" / "plot.png"
    plot(results, image)
    write_report(results, out, image)
    text = out.read_text(encoding="utf-8")
    for heading in (
        "## Cases",
        "## Empty call round trip",
        "## Go / No-Go per transform and input shape",
        "## Issue 11 targets",
        "## Machine",
    ):
        assert heading in text
    assert RSS_HEADER in text and "per body amortised" in text
    assert "mode.string_storage" in text and "Reproduce: `test`" in text
    for group in ("legacy shape (114 stations)", "project generator"):
        assert group in text
    go_lines = [line for line in text.splitlines() if "| **Go**" in line or "| **No-Go**" in line
                or "| **not decided**" in line]  # fmt: skip
    assert len(go_lines) == 4 + 3  # T2: 2 shapes x 2 forms; T3, T4, T5 batches
    assert "equivalence within 1e-09" in text and "| yes |" in text
    assert image.stat().st_size > 0


def test_rss_probe_runs_one_case_in_a_fresh_process() -> None:
    pytest.importorskip("energy_rust_backend")
    from benchmarks.rss_probe import measure

    peak = measure("asos_to_frame:batch:2", "rust", timeout_s=300)
    assert peak.backend == "rust" and peak.peak_bytes >= peak.baseline_bytes > 0
    assert peak.delta_bytes >= 0 and peak.method
