"""Render the Phase 1 results: ``docs/rust_vs_python.md`` and its plot. Only says what was measured."""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import Timing
from benchmarks.phase1_cases import T2, group_label
from benchmarks.phase1_results import CaseResult, Results
from benchmarks.phase1_verdicts import ENTRY_ROWS, GO_REDUCTION, MET, decisions, targets
from benchmarks.rss_probe import RssPeak

RSS_HEADER = "peak RSS python / rust"


def fmt_s(s: float) -> str:
    return f"{s * 1e6:,.1f} µs" if s < 1e-3 else f"{s * 1e3:,.2f} ms" if s < 1 else f"{s:,.2f} s"


def _wall(t: Timing) -> str:
    return fmt_s(t.median_wall_s)


def _cpu(t: Timing) -> str:
    return fmt_s(t.median_cpu_s)


def _rss(peak: RssPeak | None) -> str:
    return "-" if peak is None else f"{peak.delta_bytes / 2**20:,.1f} MiB"


def _case_row(c: CaseResult) -> str:
    per_body = ""
    if c.unit == "bodies":
        py, rs = c.per_body_s("python"), c.per_body_s("rust")
        per_body = f" {fmt_s(py or 0)} / {fmt_s(rs or 0)} |"
    return (
        f"| {c.label} | {c.rows:,} | {_wall(c.python)} / {_cpu(c.python)} | "
        f"{_wall(c.rust)} / {_cpu(c.rust)} | {c.ratio:.2f}x | {c.cpu_ratio:.2f}x | "
        f"{c.reduction:.1%} |{per_body} {_rss(c.rss_python)} / {_rss(c.rss_rust)} | "
        f"{'yes' if c.equivalent else 'NO: ' + c.first_difference} |"
    )


def _group_section(results: Results, transform: str, group: str) -> list[str]:
    cases = results.of_group(transform, group)
    batch = cases[0].unit == "bodies"
    header = (
        "| input | output rows | python wall / CPU | rust wall / CPU | ratio python/rust (wall) "
        "| ratio (CPU) | wall-time cut |"
        + (" per body amortised python / rust |" if batch else "")
        + f" {RSS_HEADER} | equivalent |"
    )
    lines = [
        f"### {transform}: {group_label(transform, group)}",
        "",
        header,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
        + (" ---: |" if batch else "")
        + " ---: | --- |",
    ]
    lines += [_case_row(c) for c in cases]
    details = list(dict.fromkeys(c.details for c in cases if c.details))
    if len(details) == 1:  # the same at every size: say it once
        extras = [f"- every size: {details[0]}"]
    else:
        extras = [f"- {c.label}: {c.details}" for c in cases if c.details]
    extras += [f"- {c.label}: {c.kernels_note}" for c in cases if c.kernels_note]
    calls = sorted({t.repeats for c in cases for t in (c.python, c.rust)})
    if calls and calls[0] < 3:
        extras.append(
            "- a call slower than 20 s was timed twice (the equivalence call and one more): "
            "its figure is the mean of 2"
        )
    return [*lines, "", *extras, ""] if extras else [*lines, ""]


def write_report(results: Results, out: Path, image: Path) -> None:
    lines = [
        "# Rust backend vs python backend (Phase 1, issue 11)",
        "",
        f"Reproduce: `{results.command}`"
        + (" (this file was written with `--quick`: small sizes only)" if results.quick else "")
        + ".",
        "",
        *([f"**{results.note}**", ""] if results.note else []),
        "How it was measured:",
        "",
        "- Both backends' hook functions (`plugins.python_backend` and",
        "  `energy_rust_backend.plugin`) are called directly in one process on the same",
        "  input; times are medians of several calls (loops of many calls for fast ones),",
        "  wall and CPU time of this process. Ratio = python / rust.",
        "- Every case's outputs were compared with `registry.equivalence` (floats within",
        "  1e-9 relative, keys exact, same dtypes, reports and order); a difference makes",
        "  the transform No-Go on that input shape.",
        "- Peak RSS: each backend on each case in a fresh subprocess",
        "  (`python -m benchmarks.rss_probe --one-case <case> --backend <b>`): one warm-up",
        "  call on a small case of the same kind, build the input, free memory (gc,",
        "  `malloc_trim`), reset the kernel's high-water mark (`/proc/self/clear_refs`),",
        "  one measured call; reported is the peak (`VmHWM`) minus the RSS just",
        "  before that call, so imports, the input and one-time set-up are excluded and",
        "  Rust's own allocations are included (tracemalloc cannot see them).",
        "- T2 inputs: the legacy generator's shape (114 stations, `tm` like",
        "  `2020-01-01 00:00`, station names as strings) and the project's generator",
        "  (`benchmarks/generator.py`), each as a text CSV read the way `energy impute`",
        "  reads one (`read_text_csv`: `pd.read_csv(dtype=str, keep_default_na=False)`, so",
        "  times and values are strings) and as a datetime64/float64 frame.",
        "- T3-T5: one call on a batch of real-format raw bodies",
        "  (`benchmarks/rust_payloads.py`); 'per body amortised' is the call's wall time",
        "  divided by the number of bodies.",
        f"- pandas string storage in effect: {results.string_storage or 'not recorded'}.",
        "",
        f"![rust vs python]({image.relative_to(out.parent).as_posix()})",
        "",
        "## Cases",
        "",
    ]
    for transform, group in results.groups():
        lines += _group_section(results, transform, group)
    missing = results.not_measured()
    if missing:
        lines += [
            "Planned but not measured in this run (stopped before them): "
            + ", ".join(f"`{name}`" for name in missing)
            + ".",
            "",
        ]
    if not results.rss_measured:
        lines += ["Peak RSS was not measured in this run ('-').", ""]
    lines += [
        "## Empty call round trip (T1 on an empty array)",
        "",
        "| path | per call (wall) |",
        "| --- | ---: |",
    ]
    lines += [f"| {name} | {_wall(t)} |" for name, t in results.round_trip.items()]
    lines += [
        "",
        "## Go / No-Go per transform and input shape (seed plan section 9)",
        "",
        "Rule: Go when the outputs are equivalent in every measured case and the wall time is cut",
        f"by at least {GO_REDUCTION:.0%} against the optimised python backend in every measured case",
        f"of at least {ENTRY_ROWS:,} output rows; with no such case, no decision.",
        "",
        "| transform | input shape | decision | why |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {d.transform} | {group_label(d.transform, d.group)} | **{d.decision}** | {d.why} |"
        for d in decisions(results)
    ]
    lines += [
        "",
        "## Issue 11 targets",
        "",
        "| target | bar | measured | verdict | shortfall |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {t.target} | {t.bar} | {t.measured} | {'**' + t.verdict + '**' if t.verdict != MET else t.verdict} | {t.shortfall or '-'} |"
        for t in targets(results)
    ]
    lines += [
        "",
        "## Equivalence beyond these cases",
        "",
        "This report checks equivalence on its own inputs only. The backends are also",
        "compared by the test suites, which this report does not run: tests/conformance and",
        "tests/equivalence (every transform's tests on both backends),",
        "tests/rust_backend/test_payload_parity.py and test_batch_parity.py (generated",
        "bodies and batches), tests/rust_backend/test_kernel_parity.py (T2's kernels).",
        "",
        "## Machine",
        "",
        "Measured on: " + ", ".join(f"{k} {v}" for k, v in results.machine.items()) + ".",
        "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")


def plot(results: Results, path: Path) -> None:
    """Left: speed-up per case against output rows; right: batches' per-body amortised time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_r, ax_b) = plt.subplots(1, 2, figsize=(13, 5))
    for i, (transform, group) in enumerate(results.groups()):
        cases = results.of_group(transform, group)
        short = f"{transform} {group}" if transform == T2 else transform
        # Log-log: T2's ratios (about 1-10x) and the batches' (up to hundreds) on one axis.
        ax_r.loglog(
            [max(c.rows, 1) for c in cases],
            [c.ratio for c in cases],
            "s-",
            color=f"C{i}",
            label=short,
        )
        if cases[0].unit == "bodies":
            sizes = [c.size for c in cases]
            ax_b.loglog(sizes, [c.per_body_s("python") for c in cases], "o--", color=f"C{i}",
                        label=f"{transform} python")  # fmt: skip
            ax_b.loglog(sizes, [c.per_body_s("rust") for c in cases], "s-", color=f"C{i}",
                        label=f"{transform} rust")  # fmt: skip
    ax_r.axhline(1 / (1 - GO_REDUCTION), color="k", linestyle=":", label="Phase 1 bar (2x)")
    ax_r.set_xlabel("output rows")
    ax_r.set_ylabel("python wall time / rust wall time")
    ax_r.set_title("Speed-up of the whole hook call")
    ax_r.legend(fontsize=7)
    ax_r.grid(True, which="both", alpha=0.3)
    ax_b.axhline(20e-6, color="k", linestyle=":", label="T4 target (20 µs)")
    ax_b.set_xlabel("bodies per call")
    ax_b.set_ylabel("wall time per body, amortised (s)")
    ax_b.set_title("Batches of raw bodies (T3-T5)")
    ax_b.legend(fontsize=7)
    ax_b.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
