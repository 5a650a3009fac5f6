"""Render Phase 0 measurements (:mod:`benchmarks.phase0`) as Markdown and a PNG plot."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

if TYPE_CHECKING:
    from benchmarks.phase0 import Case, Profiles
    from benchmarks.profiling import ProfileRow, PySpySummary

MB = 1e6
#: Seed plan section 9: the Phase 1 entry thresholds.
GO_CPU_SHARE = 0.30
GO_MIN_ROWS = 10_000
#: Seed plan section 2 (candidate B) estimate of one portal API call, and the
#: ASOS page size limit (docs/portal_apis.md). Used only for the labelled
#: estimate in the Go/No-Go section; not measured here.
SEED_API_CALL_S = (0.1, 0.5)
ASOS_ROWS_PER_PAGE = 999


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 10:
        return f"{seconds:,.1f} s"
    return f"{seconds * 1000:,.1f} ms"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:,.0f}x"


def _main_cases(cases: list[Case]) -> list[Case]:
    return [c for c in cases if c.label.replace(",", "").isdigit()]


def _largest(cases: list[Case]) -> Case:
    return max(_main_cases(cases), key=lambda c: c.rows)


def render_plot(cases: list[Case], path: Path) -> None:
    main = _main_cases(cases)
    rows = [c.rows for c in main]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(rows, [c.optimised.median_wall_s for c in main], "o-", label="optimised, wall")
    left.plot(rows, [c.optimised.median_cpu_s for c in main], "o--", label="optimised, CPU")
    with_base = [c for c in main if c.baseline]
    if with_base:
        left.plot(
            [c.rows for c in with_base],
            [c.baseline.median_wall_s for c in with_base],
            "s-",
            label="legacy-style baseline, wall",
        )
        left.plot(
            [c.rows for c in with_base],
            [c.baseline.median_cpu_s for c in with_base],
            "s--",
            label="legacy-style baseline, CPU",
        )
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("input rows (2 value columns)")
    left.set_ylabel("seconds per call (median)")
    left.set_title("T2 impute_missing_values: time")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)

    right.plot(
        rows,
        [c.optimised_memory.peak_bytes / MB for c in main],
        "o-",
        label="optimised: peak traced memory",
    )
    right.plot(
        rows,
        [_frame_mb(c, deep=True) for c in main],
        "k:",
        label="input frame, deep (string objects counted)",
    )
    right.plot(
        rows,
        [_frame_mb(c, deep=False) for c in main],
        "k-.",
        label="input frame, shallow (8 bytes per cell)",
    )
    right.plot(
        rows,
        [3 * _frame_mb(c, deep=False) for c in main],
        "r:",
        label="3x shallow input frame (target)",
    )
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("input rows")
    right.set_ylabel("MB")
    right.set_title("T2: peak memory during the call")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _frame_mb(case: Case, *, deep: bool) -> float:
    from benchmarks.measure import frame_bytes

    return frame_bytes(case.frame, deep=deep) / MB


def _scaling_table(cases: list[Case]) -> list[str]:
    lines = [
        "| input rows | stations x hours | missing ta / hm | baseline wall (CPU) | optimised wall (CPU) | speed-up wall (CPU) | CPU share of wall, baseline / optimised | outputs agree |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in cases:
        stats = c.stats
        base = (
            f"{_ms(c.baseline.median_wall_s)} ({_ms(c.baseline.median_cpu_s)})"
            if c.baseline
            else "not run"
        )
        opt = f"{_ms(c.optimised.median_wall_s)} ({_ms(c.optimised.median_cpu_s)})"
        speed = (
            f"{_ratio(c.baseline.median_wall_s, c.optimised.median_wall_s)} "
            f"({_ratio(c.baseline.median_cpu_s, c.optimised.median_cpu_s)})"
            if c.baseline else "-"
        )  # fmt: skip
        share = f"{c.baseline.cpu_share:.0%} / " if c.baseline else "- / "
        lines.append(
            f"| {c.label} | {c.spec.stations} x {c.spec.hours:,} | "
            f"{stats['missing_ta']:.1%} / {stats['missing_hm']:.1%} | {base} | {opt} | {speed} | "
            f"{share}{c.optimised.cpu_share:.0%} | {c.agreement or '-'} |"
        )
    return lines


def _repeats_line(cases: list[Case]) -> str:
    parts = []
    for c in cases:
        base = f", baseline {c.baseline.repeats}" if c.baseline else ""
        parts.append(f"{c.label}: optimised {c.optimised.repeats}{base}")
    return "; ".join(parts)


def _memory_table(cases: list[Case]) -> list[str]:
    lines = [
        "| input | input frame, deep (shallow) | optimised peak | peak / frame deep (shallow) | baseline peak |",
        "|---|---|---|---|---|",
    ]
    for c in cases:
        deep, shallow = _frame_mb(c, deep=True), _frame_mb(c, deep=False)
        peak = c.optimised_memory.peak_bytes / MB
        base = (
            f"{c.baseline_memory.peak_bytes / MB:,.1f} MB" if c.baseline_memory else "not measured"
        )
        lines.append(
            f"| {c.label} | {deep:,.1f} MB ({shallow:,.1f} MB) | {peak:,.1f} MB | "
            f"{peak / deep:.2f}x ({peak / shallow:.2f}x) | {base} |"
        )
    return lines


def _stage_table(cases: list[Case]) -> list[str]:
    lines = [
        "| input | prepare | kernel (both columns) | assemble | kernel share |",
        "|---|---|---|---|---|",
    ]
    for c in cases:
        s = c.stages_cpu_s
        total = sum(s.values())
        lines.append(
            f"| {c.label} | {_ms(s['prepare'])} | {_ms(s['kernel'])} | {_ms(s['assemble'])} | "
            f"{s['kernel'] / total:.0%} |"
        )
    return lines


def _profile_table(profile: tuple[list[ProfileRow], float]) -> list[str]:
    rows, total = profile
    lines = [
        f"Profiled total: {_ms(total)}. cProfile adds a cost to every Python-level call, so it inflates the "
        "baseline (millions of calls) far more than the optimised code (thousands).",
        "",
        "| function | calls | own time | own share | cumulative |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        name = r.function.replace("|", "\\|")
        lines.append(
            f"| `{name}` | {r.calls:,} | {_ms(r.own_s)} | {r.own_s / total:.1%} | {_ms(r.cumulative_s)} |"
        )
    return lines


def _pyspy_section(name: str, spy: PySpySummary | None) -> list[str]:
    if spy is None:
        return [f"py-spy ({name}): not run."]
    if spy.error:
        return [f"py-spy ({name}) could not run here: `{spy.error}`"]
    lines = [
        f"py-spy, {name}: {spy.samples:,} samples inside the function (`{spy.command}`).",
        "",
        "By where the innermost Python frame is:",
        "",
        "| area | share of samples |",
        "|---|---|",
        *[f"| {area} | {share:.0%} |" for area, share in spy.by_area],
        "",
        "Innermost frames with the most samples:",
        "",
        "| frame | share |",
        "|---|---|",
        *[f"| `{frame}` | {share:.1%} |" for frame, share in spy.top_frames],
    ]
    return lines


def _go_no_go(cases: list[Case]) -> list[str]:
    by_rows = {c.rows: c for c in _main_cases(cases)}
    ten_k = by_rows.get(10_002) or next(
        (c for c in _main_cases(cases) if c.rows >= GO_MIN_ROWS), None
    )
    lines = [
        "Seed plan section 9 asks three things before Phase 1 (Rust):",
        "",
        "1. **Measured profiling data exists** — yes: the tables above (cProfile, py-spy, wall/CPU timings).",
    ]
    if ten_k is None:
        return [
            *lines,
            "",
            "(No measurement at >= 10,000 rows in this run; rerun without --quick.)",
        ]
    t2_s = ten_k.optimised.median_cpu_s
    pages = -(-ten_k.rows // ASOS_ROWS_PER_PAGE)
    fetch_lo, fetch_hi = pages * SEED_API_CALL_S[0], pages * SEED_API_CALL_S[1]
    share_hi = t2_s / (t2_s + fetch_lo)
    largest = _largest(cases)
    lines += [
        f"2. **A function whose pure CPU is >= {GO_CPU_SHARE:.0%} of wall time after Python optimisation** — "
        f"T2 on its own is CPU-bound (measured CPU/wall {ten_k.optimised.cpu_share:.0%} at {ten_k.label} rows; "
        f"it does no I/O). But the seed's criterion is about "
        f"the pipeline's wall time, and T2 now takes {_ms(t2_s)} of CPU at {ten_k.label} rows and "
        f"{_ms(largest.optimised.median_cpu_s)} at {largest.label} rows. Fetching {ten_k.label} ASOS rows "
        f"takes at least {pages} API pages of <= {ASOS_ROWS_PER_PAGE} rows; at the seed's own *estimate* of "
        f"{SEED_API_CALL_S[0] * 1000:.0f}-{SEED_API_CALL_S[1] * 1000:.0f} ms per call (section 2, not measured "
        f"here: this environment has no portal access) that is {fetch_lo:.1f}-{fetch_hi:.1f} s, so T2 would "
        f"be at most ~{share_hi:.1%} of such a run. Both grow linearly with rows, so the share does not "
        f"approach {GO_CPU_SHARE:.0%} at larger sizes either. **Not met** for T2 inside a fetch-and-impute flow.",
        f"3. **Input of at least {GO_MIN_ROWS:,} rows** — this run covered 1,000 to 1,000,000 rows; how "
        "large production inputs are (a daily run or a multi-station backfill) was not measured here. "
        "The criterion asks whether inputs are large enough to amortise the Python/Rust crossing, and "
        "is moot once criterion 2 fails.",
        "",
        "**Verdict: No-Go for a Rust port on performance grounds** (the seed's section 10 risk 2: \"Python "
        "optimisation alone is enough\" — the best outcome). The only setting where T2's CPU would dominate "
        "is a CPU-only job, e.g. re-imputing a large table already loaded in memory; at 1M rows that job "
        f"takes {_ms(largest.optimised.median_wall_s)} (wall) here. The rust backend built alongside "
        "this work is to be judged separately by the Phase 1 criteria (>= 50% less wall time than the "
        "optimised Python, equivalence 100%) in a rust-vs-python benchmark.",
    ]
    return lines


def _targets(cases: list[Case]) -> list[str]:
    main = _main_cases(cases)
    ten_k = next((c for c in main if c.rows >= 10_000 and c.baseline), None)
    million = next((c for c in main if c.rows >= 1_000_000), None)
    lines = ["| target | measured | met? |", "|---|---|---|"]
    if ten_k:
        wall = ten_k.baseline.median_wall_s / ten_k.optimised.median_wall_s
        cpu = ten_k.baseline.median_cpu_s / ten_k.optimised.median_cpu_s
        lines.append(
            f"| >= 100x faster than the legacy-style baseline at 10k rows | {wall:,.0f}x wall, {cpu:,.0f}x CPU "
            f"| {'yes' if min(wall, cpu) >= 100 else 'no'} |"
        )
    if million:
        o = million.optimised
        lines.append(
            f"| 1M rows x 2 columns, 100 stations, well under 2 s | median {_ms(o.median_wall_s)} wall, "
            f"{_ms(o.median_cpu_s)} CPU (fastest wall {_ms(o.min_wall_s)}) | "
            f"{'yes' if o.median_wall_s < 2 else 'no (wall)'}{'' if o.median_cpu_s < 2 else ', no (CPU)'} |"
        )
    big = [c for c in cases if c.rows >= 100_000] or main
    for c in big:
        shallow = c.optimised_memory.peak_bytes / (_frame_mb(c, deep=False) * MB)
        deep = c.optimised_memory.peak_bytes / (_frame_mb(c, deep=True) * MB)
        lines.append(
            f"| memory peak under 3x the input frame ({c.label} rows) | {shallow:.2f}x of the shallow size "
            f"({deep:.2f}x of the deep size) | {'yes' if shallow < 3 else 'no'} |"
        )
    small = [c for c in main if c.rows < 100_000]
    if small:
        worst = max(
            small, key=lambda c: c.optimised_memory.peak_bytes / (_frame_mb(c, deep=False) * MB)
        )
        ratio = worst.optimised_memory.peak_bytes / (_frame_mb(worst, deep=False) * MB)
        lines.append(
            f"| (same, small inputs) | up to {ratio:.2f}x of the shallow size at {worst.label} rows "
            f"({worst.optimised_memory.peak_bytes / 1e3:,.0f} KB: fixed overhead of frames and the report "
            f"dominates) | {'yes' if ratio < 3 else 'no, below 100k rows'} |"
        )
    return lines


def render_report(
    cases: list[Case],
    profiles: Profiles,
    machine: dict[str, str],
    command: str,
    plot: Path,
    out: Path,
    elapsed_s: float,
) -> str:
    plot_link = os.path.relpath(plot, out.parent)
    spec = cases[0].spec
    lines = [
        "# Phase 0 report: T2 `impute_missing_values` before and after Python optimisation",
        "",
        f"Generated by `{command}` (took {elapsed_s / 60:.1f} min). Every number below comes from that "
        "one run; rerun the command to reproduce. Timings are ratios measured in one process; no test "
        "asserts them.",
        "",
        "## Summary",
        "",
        *_targets(cases),
        "",
        "## What was measured, and how",
        "",
        "- **Input**: `benchmarks/generator.py`, seeded: hourly KST rows per station (`tm` "
        "datetime64, `stnNm` str, `ta`, `hm` float64), seasonal + diurnal values with noise, gaps of length "
        f"{', '.join(map(str, spec.gap_lengths))} (uniform) placed until {spec.missing_ratio:.0%} of each "
        "column is missing (overlapping gaps merge, so realised ratios are in the table). Sizes via "
        "`spec_for_rows`: 3 stations up to 30k rows (10,002 rows = 3 x 3,334 h, the legacy benchmark's "
        "shape), then ~10,000 hours per station (1M rows = 100 stations). Rows are station-major and "
        "time-ascending as the portal returns them, except the `shuffled` row. No history frame, except "
        "the `+ history` row (one earlier year of the same 100 stations, 876,000 rows).",
        "- **Before**: `benchmarks/legacy_baseline.py`, a rebuild of the legacy code's cost shape "
        "(the legacy source is not in this repository): a per-element `.iloc[i]` loop to find gaps, an "
        '`interp1d(kind="cubic")` over the whole station series for every short gap, the whole frame '
        "re-filtered by station and (month, day, hour) for every missing value, `.loc` writes per value. "
        "It applies today's rules, so its output can be, and was, compared with the optimised result "
        "(column *outputs agree*: same method per row, values within the equivalence tolerance).",
        "- **After**: the python backend, `backend_harness/imputation.py` and `plugins/python_backend/imputation.py` (validation, vectorised "
        "time parsing, one stable sort) + `imputation_kernel.py` (vectorised gap finding, one scipy "
        "`CubicSpline` per station and column, one grouping for the climatology), called directly "
        "(`impute_missing_values(frame, ImputeOptions(), None)`), without the registry's dispatch.",
        "- **Time**: median of repeated calls after one warm-up, `time.perf_counter` (wall) and "
        "`time.process_time` (CPU of the process). Repeats: " + _repeats_line(cases) + ".",
        "- **Memory**: `tracemalloc` peak during one call, above what was allocated before it "
        "(numpy/pandas buffers are traced). The input frame's size is given two ways: shallow (8 bytes "
        "per cell: the arrays themselves; the generated station column repeats 100 shared string "
        "objects, so this is its real footprint) and `memory_usage(deep=True)` (every row's station "
        "string counted as if separate, as in a frame read from CSV). The target is judged against the "
        "smaller, shallow size.",
        "- **Profiles**: cProfile in-process; py-spy (sampling, in a child process running "
        "`benchmarks/profile_target.py`), keeping only samples inside the imputation function.",
        f"- **Machine**: {machine['cpu']}, {machine['logical_cpus']} logical CPUs, {machine['memory_gb']} GB; "
        f"Python {machine['python']}, numpy {machine['numpy']}, pandas {machine['pandas']}, scipy "
        f"{machine['scipy']}. Load average (1/5/15 min) {machine['load_average_1m_5m_15m']} at the start and "
        f"{machine.get('load_average_after', '?')} at the end: other jobs shared the 2 cores, so where "
        "wall time exceeds CPU time that is their contention; CPU time is the steadier figure.",
        "",
        "## Scaling",
        "",
        *_scaling_table(cases),
        "",
        f"![T2 time and memory by input size]({plot_link})",
        "",
        "The baseline was run up to 100,000 rows (once at that size); beyond it its per-missing-value "
        "re-filtering makes it quadratic (tens of minutes at 1M rows), so it was not run there.",
        "",
        "### Memory",
        "",
        *_memory_table(cases),
        "",
        "### Optimised: CPU time by stage (median of 3)",
        "",
        "`prepare` = validation, time parsing, station codes, sort; `kernel` = rules 3-6 on arrays "
        "(the part a Rust backend replaces); `assemble` = scatter back, report.",
        "",
        *_stage_table(cases),
        "",
        "## Where the time goes",
        "",
        f"### Baseline, cProfile, {profiles.baseline_rows:,} rows (top functions by own time)",
        "",
        *(_profile_table(profiles.baseline) if profiles.baseline else ["not run"]),
        "",
        f"### Optimised, cProfile, {profiles.optimised_rows:,} rows (top functions by own time)",
        "",
        *(_profile_table(profiles.optimised) if profiles.optimised else ["not run"]),
        "",
        "### py-spy",
        "",
        *_pyspy_section(
            f"baseline, {profiles.baseline_rows:,} rows", profiles.pyspy.get("baseline")
        ),
        "",
        *_pyspy_section(
            f"optimised, {profiles.optimised_rows:,} rows x 3 calls",
            profiles.pyspy.get("optimised"),
        ),
        "",
        "## Go/No-Go for Phase 1 (seed section 9)",
        "",
        *_go_no_go(cases),
        "",
        "## Behaviour differs from the legacy code, on purpose",
        "",
        "The speed-up is not bought by doing less: the optimised code fills more values than the legacy "
        "code did. As recorded in `docs/contracts/transforms.md` (measured there on the legacy code's own "
        "benchmark generator, 10,000 rows, 3 stations), the legacy code wrote each spline result back "
        "over the whole station series, erasing earlier climatology fills, and left 858 of 1,146 missing "
        "values unfilled (413 of 418 and 445 of 449 long-gap rows of `ta` and `hm`); it also left leading "
        "short gaps missing and used filled values as inputs to later fills. T2 here fills by the rules of "
        "`transforms.md` (observed values only feed fills; short edge gaps take the nearest value; long "
        "gaps fall back climatology -> station mean -> column mean), and reports every row it could not "
        "fill. The baseline above follows those same rules with the legacy *costs*, which is why the two "
        "outputs agree; it does not reproduce the legacy *results*.",
        "",
    ]
    return "\n".join(lines)
