"""Phase 0 of the seed plan: measure T2 before and after optimisation, write the report.

    uv run python -m benchmarks.phase0            # full run, a few minutes
    uv run python -m benchmarks.phase0 --quick    # 1k and 10k rows only, for development

Writes ``docs/phase0_report.md`` and ``docs/img/phase0_scaling.png`` (or the
paths given). "Before" is :mod:`benchmarks.legacy_baseline` (the legacy
cost shape), "after" is the python backend's T2
(:func:`plugins.python_backend.imputation.impute_missing_values`, called
directly, without the registry's dispatch and logging around it).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backend_harness import imputation
from benchmarks.generator import GeneratorSpec, describe, generate, spec_for_rows
from benchmarks.legacy_baseline import impute_missing_values_legacy
from benchmarks.measure import Memory, Timing, machine_info, peak_traced_memory, time_call
from benchmarks.profiling import ProfileRow, PySpySummary, cprofile_top, pyspy_top
from plugins.python_backend.imputation_kernel import impute_kernel
from registry.contracts import ImputeOptions
from registry.equivalence import float_mismatches

REPO = Path(__file__).resolve().parents[1]
OPTIONS = ImputeOptions()
SIZES = (1_000, 10_000, 100_000, 1_000_000)
#: The baseline is quadratic; past this it runs for tens of minutes.
BASELINE_MAX_ROWS = 100_000
#: Up to here (the 10,002-row legacy shape included) the baseline is repeated
#: and its memory traced; tracing slows its Python loops several-fold.
BASELINE_SMALL_MAX_ROWS = 20_000


@dataclass
class Case:
    """One measured input and everything measured on it."""

    label: str
    spec: GeneratorSpec
    frame: pd.DataFrame
    history: pd.DataFrame | None = None
    optimised: Timing | None = None
    optimised_memory: Memory | None = None
    stages_cpu_s: dict[str, float] = field(default_factory=dict)
    baseline: Timing | None = None
    baseline_memory: Memory | None = None
    agreement: str | None = None

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def stats(self) -> dict[str, float]:
        return describe(self.frame)


@dataclass
class Profiles:
    baseline_rows: int
    baseline: tuple[list[ProfileRow], float] | None
    optimised_rows: int
    optimised: tuple[list[ProfileRow], float] | None
    pyspy: dict[str, PySpySummary] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[phase0 {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def optimised_call(case: Case) -> Callable[[], Any]:
    return lambda: imputation.impute_missing_values(case.frame, OPTIONS, case.history)


def baseline_call(case: Case) -> Callable[[], Any]:
    return lambda: impute_missing_values_legacy(case.frame, history=case.history)


def stage_times(case: Case, repeats: int = 3) -> dict[str, float]:
    """Median CPU seconds of prepare, the kernel (all columns) and assemble."""
    samples: dict[str, list[float]] = {"prepare": [], "kernel": [], "assemble": []}
    for _ in range(repeats):
        t0 = time.process_time()
        prepared = imputation.prepare(case.frame, OPTIONS, case.history)
        t1 = time.process_time()
        results = {
            c: impute_kernel(prepared.kernel_input(c, OPTIONS.max_spline_gap))
            for c in OPTIONS.columns
        }
        t2 = time.process_time()
        imputation.assemble(
            case.frame, prepared, {c: r[0] for c, r in results.items()},
            {c: r[1] for c, r in results.items()}, OPTIONS,
        )  # fmt: skip
        t3 = time.process_time()
        for name, seconds in zip(samples, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            samples[name].append(seconds)
    return {name: float(np.median(values)) for name, values in samples.items()}


def compare_outputs(case: Case, legacy: tuple[pd.DataFrame, dict[str, pd.Series]]) -> str:
    """Do the baseline and the optimised implementation fill the same values the same way?"""
    filled, methods = legacy
    optimised = imputation.impute_missing_values(
        case.frame, ImputeOptions(with_methods=True), case.history
    )
    problems = []
    for column in OPTIONS.columns:
        bad = float_mismatches(optimised.frame[column].to_numpy(), filled[column].to_numpy())
        if len(bad):
            problems.append(f"{column}: {len(bad)} values differ")
        if not np.array_equal(methods[column].to_numpy(), optimised.methods[column]):
            problems.append(f"{column}: method codes differ")
    return "yes" if not problems else "NO: " + "; ".join(problems)


def measure_case(case: Case, *, with_baseline: bool) -> None:
    log(f"{case.label}: optimised")
    repeats = 5 if case.rows >= 1_000_000 else 7
    case.optimised = time_call(optimised_call(case), repeats=repeats)
    case.optimised_memory = peak_traced_memory(optimised_call(case))
    case.stages_cpu_s = stage_times(case)
    if not with_baseline:
        return
    log(f"{case.label}: baseline")
    last: dict[str, Any] = {}

    def run_baseline() -> None:
        last["result"] = baseline_call(case)()

    small = case.rows <= BASELINE_SMALL_MAX_ROWS
    case.baseline = time_call(run_baseline, repeats=3 if small else 1, warmup=1 if small else 0)
    case.agreement = compare_outputs(case, last["result"])
    if small:
        case.baseline_memory = peak_traced_memory(baseline_call(case))


def build_cases(sizes: tuple[int, ...], extras: bool) -> list[Case]:
    cases = [
        Case(f"{rows:,}", spec_for_rows(rows), generate(spec_for_rows(rows))) for rows in sizes
    ]
    if extras and 1_000_000 in sizes:
        million = next(c for c in cases if c.rows >= 1_000_000)
        shuffled = spec_for_rows(1_000_000, shuffle=True)
        cases.append(Case("1,000,000, shuffled", shuffled, generate(shuffled)))
        # A year of earlier observations of the same stations, as a flow would read from the database.
        history_spec = GeneratorSpec(stations=100, hours=8760, start="2022-01-01 00:00", seed=99)
        history = generate(history_spec)
        cases.append(
            Case(f"1,000,000 + {len(history):,} history", million.spec, million.frame, history)
        )
    return cases


def profile(baseline_rows: int, optimised_rows: int, with_pyspy: bool) -> Profiles:
    log(f"cProfile: baseline at {baseline_rows:,} rows, optimised at {optimised_rows:,} rows")
    baseline_case = Case("", spec_for_rows(baseline_rows), generate(spec_for_rows(baseline_rows)))
    optimised_case = Case(
        "", spec_for_rows(optimised_rows), generate(spec_for_rows(optimised_rows))
    )
    profiles = Profiles(
        baseline_rows=baseline_rows,
        baseline=cprofile_top(baseline_call(baseline_case), limit=12),
        optimised_rows=optimised_rows,
        optimised=cprofile_top(optimised_call(optimised_case), limit=12),
    )
    if with_pyspy:
        log("py-spy: baseline")
        profiles.pyspy["baseline"] = pyspy_top("baseline", baseline_rows, repeats=1)
        log("py-spy: optimised")
        profiles.pyspy["optimised"] = pyspy_top("optimised", optimised_rows, repeats=3)
    return profiles


def main(argv: list[str] | None = None) -> int:
    from benchmarks.phase0_report import render_plot, render_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k rows only, no py-spy")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "phase0_report.md")
    parser.add_argument("--plot", type=Path, default=REPO / "docs" / "img" / "phase0_scaling.png")
    parser.add_argument("--no-pyspy", action="store_true", help="skip the py-spy sampling runs")
    args = parser.parse_args(argv)

    sizes = (1_000, 10_000) if args.quick else SIZES
    machine = machine_info()
    started = time.perf_counter()
    cases = build_cases(sizes, extras=not args.quick)
    for case in cases:
        extra = not case.label.replace(",", "").isdigit()  # the shuffled and history variants
        measure_case(case, with_baseline=case.rows <= BASELINE_MAX_ROWS and not extra)
    profiles = profile(10_000, max(sizes), with_pyspy=not (args.quick or args.no_pyspy))
    machine["load_average_after"] = machine_info()["load_average_1m_5m_15m"]
    command = "uv run python -m benchmarks.phase0" + (" --quick" if args.quick else "")
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    render_plot(cases, args.plot)
    args.out.write_text(
        render_report(
            cases, profiles, machine, command, args.plot, args.out, time.perf_counter() - started
        ),
        encoding="utf-8",
    )
    log(f"wrote {args.out} and {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
