"""Phase 1 of the seed plan (issue 11): the rust backend against the optimised python backend.

    uv run python -m benchmarks.rust_vs_python           # full sizes: tens of minutes
    uv run python -m benchmarks.rust_vs_python --quick   # small sizes only, for development

Writes ``docs/rust_vs_python.md`` and ``docs/img/rust_vs_python.png`` (or the
paths given): T2 on real input shapes and forms, T3-T5 on batches of raw
bodies, the empty-call round trip, peak RSS per backend (a fresh subprocess
per case, :mod:`benchmarks.rss_probe`), the seed plan's Go/No-Go per
transform and input shape and issue 11's targets, all computed from the
measurements (:mod:`benchmarks.phase1_verdicts`). Timings are reported, never
asserted.

This module only runs things; the cases, the probe, the verdicts and the
report each live in their own ``benchmarks.phase1_*`` / ``rss_probe`` module.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import phase1_cases
from benchmarks.measure import Timing, machine_info, timed
from benchmarks.phase1_cases import BATCHES, T2
from benchmarks.phase1_report import plot, write_report
from benchmarks.phase1_results import CaseResult, Results
from benchmarks.round_trip import measure_round_trip
from benchmarks.t2_inputs import FORMS, SHAPES
from registry import discover_backends
from registry.equivalence import differences

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Plan:
    """What to measure: T2 row counts, batch body counts, and whether to probe RSS."""

    t2_rows: tuple[int, ...]
    batch_bodies: tuple[int, ...]
    rss: bool = True
    shapes: tuple[str, ...] = SHAPES
    forms: tuple[str, ...] = FORMS
    transforms: tuple[str, ...] = tuple(BATCHES)

    def case_names(self) -> list[str]:
        names = [
            phase1_cases.t2_name(shape, form, rows)
            for shape in self.shapes
            for form in self.forms
            for rows in self.t2_rows
        ]
        # Batches smallest first across transforms: if a run on a busy machine
        # has to be stopped, what is missing is the largest (python: minutes) cases.
        names += [
            phase1_cases.batch_name(transform, bodies)
            for bodies in self.batch_bodies
            for transform in self.transforms
        ]
        return names


#: Issue 11's sizes, plus 1,000 bodies: the size of the T3/T4 targets.
FULL = Plan(t2_rows=(10_000, 100_000, 1_000_000), batch_bodies=(1, 100, 1_000, 10_000))
QUICK = Plan(t2_rows=(1_000, 10_000), batch_bodies=(1, 100))


def log(message: str) -> None:
    print(f"[rust_vs_python {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


#: Above this many seconds per call, the first (equivalence) call counts as a timed
#: sample and one more call is timed: a median of 2. Python takes minutes on the
#: largest batches, and a full run has to finish while the machine is shared.
SLOW_CALL_S = 20.0


def _once(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``fn()``, its wall and its CPU seconds."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - wall0, time.process_time() - cpu0


def _timing(fn: Callable[[], Any], first_wall: float, first_cpu: float) -> Timing:
    if first_wall <= SLOW_CALL_S:
        return timed(fn, first_wall)
    _, wall, cpu = _once(fn)
    return Timing((first_wall, wall), (first_cpu, cpu))


def measure_case(name: str, *, rss: bool) -> CaseResult:
    """Equivalence, timings and (in subprocesses) peak RSS of one case."""
    from benchmarks import rss_probe, t2_kernels

    log(f"{name}: building the input")
    case = phase1_cases.build(name)
    # The equivalence run doubles as the warm-up and as the estimate that sizes the timing loops.
    expected, py_s, py_cpu = _once(case.python)
    actual, rs_s, rs_cpu = _once(case.rust)
    diffs = differences(expected, actual)
    if diffs:
        log(f"{name}: NOT equivalent: {diffs[:3]}")
    rows = len(expected.frame)  # type: ignore[attr-defined]
    del expected, actual
    log(f"{name}: python (~{py_s:.3f} s per call)")
    py_t = _timing(case.python, py_s, py_cpu)
    log(f"{name}: rust (~{rs_s:.3f} s per call)")
    rs_t = _timing(case.rust, rs_s, rs_cpu)
    kernels = ""
    # Kernels see the same arrays whatever the input form, so one form is enough.
    if case.transform == T2 and case.group.endswith("/datetime64"):
        kernels = t2_kernels.kernels_note(case.payload, py_t.median_wall_s)
    result = CaseResult(
        name=name, transform=case.transform, group=case.group,
        requested=int(name.rsplit(":", 1)[1]), size=case.size, unit=case.unit, rows=rows,
        python=py_t, rust=rs_t, equivalent=not diffs,
        first_difference=diffs[0] if diffs else "", details=case.details, kernels_note=kernels,
    )  # fmt: skip
    # The probes run in their own processes; free this one's copy of the input first,
    # so the machine holds one large input at a time.
    del case
    gc.collect()
    if rss:
        log(f"{name}: peak RSS (fresh subprocess per backend)")
        result.rss_python = rss_probe.measure(name, "python")
        result.rss_rust = rss_probe.measure(name, "rust")
    return result


def run(plan: Plan, *, quick: bool, command: str, save: Path | None = None) -> Results:
    """Measure ``plan``; with ``save``, pickle the results after every case (a stopped run keeps them)."""
    import pandas as pd

    from benchmarks import t2_inputs

    results = Results(
        machine=machine_info(), quick=quick, command=command, rss_measured=plan.rss,
        planned=plan.case_names(),
    )  # fmt: skip
    sample = t2_inputs.build("legacy", "text", 228)
    results.string_storage = t2_inputs.string_storage(sample) + f"; pandas {pd.__version__}"
    log("empty-call round trip")
    results.round_trip = measure_round_trip()
    for name in plan.case_names():
        results.cases.append(measure_case(name, rss=plan.rss))
        # The load after each case: the report is read knowing how busy the machine was.
        results.machine = machine_info()
        if save is not None:
            save.write_bytes(pickle.dumps(results))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "rust_vs_python.md")
    parser.add_argument("--plot", type=Path, default=REPO / "docs" / "img" / "rust_vs_python.png")
    parser.add_argument(
        "--one-case",
        metavar="CASE",
        help="only measure one case's peak RSS for --backend in this process (see benchmarks.rss_probe)",
    )
    parser.add_argument("--backend", choices=("python", "rust"), default="rust")
    parser.add_argument("--note", default="", help="a line for the report's head (e.g. the load)")
    parser.add_argument(
        "--save",
        type=Path,
        help="pickle the measurements here after every case (re-render with --render)",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="PICKLE",
        help="only write the report from saved measurements",
    )
    args = parser.parse_args(argv)
    if args.one_case:
        from benchmarks import rss_probe

        return rss_probe.main(["--one-case", args.one_case, "--backend", args.backend])
    if args.render:
        results = pickle.loads(args.render.read_bytes())
    else:
        backends = discover_backends()
        if "rust" not in backends.available:
            print(f"rust backend absent: {backends.absent.get('rust')}", file=sys.stderr)
            return 2
        command = "uv run python -m benchmarks.rust_vs_python" + (" --quick" if args.quick else "")
        results = run(
            QUICK if args.quick else FULL, quick=args.quick, command=command, save=args.save
        )
    if args.note:
        results.note = args.note
    plot(results, args.plot)
    write_report(results, args.out, args.plot)
    log(f"wrote {args.out} and {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
