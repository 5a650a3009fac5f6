"""Where the time goes: cProfile tables in-process, py-spy samples from a child process.

Usage::

    rows, total_s = cprofile_top(lambda: impute(frame), limit=12)
    spy = pyspy_top("optimised", 1_000_000, repeats=3)   # PySpySummary, or .error if py-spy cannot run
"""

from __future__ import annotations

import cProfile
import pstats
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.profile_target import TARGETS

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ProfileRow:
    """One function in a cProfile table."""

    function: str
    calls: int
    own_s: float
    cumulative_s: float


def _short_name(filename: str, line: int, name: str) -> str:
    if filename == "~" or filename.startswith("<"):
        return name  # built-ins: "{method 'astype' of 'numpy.ndarray' objects}"
    path = filename
    for marker in ("site-packages/", str(REPO) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{line}({name})"


def cprofile_top(fn: Callable[[], Any], *, limit: int = 12) -> tuple[list[ProfileRow], float]:
    """The ``limit`` functions with the most own time during ``fn()``, and the profiled total."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = [
        ProfileRow(_short_name(*key), int(nc), float(tt), float(ct))
        for key, (cc, nc, tt, ct, _callers) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    rows.sort(key=lambda r: r.own_s, reverse=True)
    return rows[:limit], float(stats.total_tt)  # type: ignore[attr-defined]


@dataclass
class PySpySummary:
    """Samples inside the target function: by innermost frame and by package."""

    command: str
    samples: int = 0
    top_frames: list[tuple[str, float]] = field(default_factory=list)
    by_area: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None


def _area(frame: str) -> str:
    """Which code a frame belongs to, for the by-package breakdown."""
    for area in ("scipy", "numpy", "pandas"):
        if f"{area}/" in frame:
            return area
    if "legacy_baseline" in frame or "plugins/python_backend" in frame:
        return "project lines (incl. numpy operators called there)"
    return "other"


def pyspy_top(
    implementation: str, rows: int, *, repeats: int = 1, rate: int = 250, limit: int = 10
) -> PySpySummary:
    """Run py-spy on :mod:`benchmarks.profile_target` and summarise its samples."""
    target = TARGETS[implementation]
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "samples.txt"
        command = [
            pyspy, "record", "--format", "raw", "--rate", str(rate), "--output", str(out), "--",
            sys.executable, "-m", "benchmarks.profile_target", implementation, str(rows),
            "--repeats", str(repeats),
        ]  # fmt: skip
        shown = (
            f"py-spy record --format raw --rate {rate} -- python -m benchmarks.profile_target "
            f"{implementation} {rows} --repeats {repeats}"
        )
        summary = PySpySummary(command=shown)
        try:
            done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            summary.error = f"{type(exc).__name__}: {exc}"
            return summary
        if done.returncode != 0 or not out.exists():
            summary.error = (done.stderr or done.stdout).strip()[
                -500:
            ] or f"exit code {done.returncode}"
            return summary
        leaf: Counter[str] = Counter()
        area: Counter[str] = Counter()
        for line in out.read_text(encoding="utf-8").splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            if not any(f.startswith(f"{target} ") for f in frames):
                continue  # set-up: imports, data generation
            n = int(count)
            summary.samples += n
            leaf[frames[-1]] += n
            area[_area(frames[-1])] += n
    if summary.samples:
        summary.top_frames = [(f, c / summary.samples) for f, c in leaf.most_common(limit)]
        summary.by_area = [(a, c / summary.samples) for a, c in area.most_common()]
    return summary
