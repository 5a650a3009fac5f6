"""Peak resident memory of one backend on one case, in a fresh process.

    uv run python -m benchmarks.rss_probe --one-case impute_missing_values:legacy:text:10000 --backend rust

prints one JSON line: ``{"case", "backend", "baseline_bytes", "peak_bytes",
"delta_bytes", "method"}``. :func:`measure` runs that in a subprocess and
parses it.

Why a subprocess per case and backend: tracemalloc cannot see Rust's
allocations, and in a long-lived process the allocator keeps pages from
earlier cases, so a later peak would hide in them. Here the process does
only this: imports, runs one warm-up call on a small case of the same kind
(lazy imports, thread pools and caches are not the call's memory), builds
the input, frees what it can
(``gc`` and glibc's ``malloc_trim``), then measures one call.

The peak comes from the kernel's high-water mark (``VmHWM``), reset just
before the call via ``/proc/self/clear_refs`` (Linux), so the input's
construction does not count; where that is not possible, from
``getrusage(RUSAGE_SELF).ru_maxrss`` if the call raised it above the
construction's peak, else from 1 ms RSS sampling (:func:`benchmarks.measure.peak_rss`).
The figure reported is the peak minus the RSS just before the call.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class RssPeak:
    backend: str
    baseline_bytes: int
    peak_bytes: int
    method: str

    @property
    def delta_bytes(self) -> int:
        return max(0, self.peak_bytes - self.baseline_bytes)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _release_free_memory() -> None:
    gc.collect()
    # Give freed heap pages back to the OS, so the call cannot reuse pages the
    # warm-up left behind and look smaller than it is (glibc only).
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _reset_high_water_mark() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # 5: reset the peak RSS (VmHWM) to the current RSS
        return True
    except OSError:
        return False


def probe(case_name: str, backend: str) -> RssPeak:
    """In this process: build the case, warm up, and measure one call of ``backend``."""
    from benchmarks.measure import peak_rss
    from benchmarks.phase1_cases import build, warmup_name

    # Warm up on a small case of the same kind (a large one would double the
    # probe's time for nothing: the warm-up only loads what any call loads).
    small = build(warmup_name(case_name))
    (small.python if backend == "python" else small.rust)()
    del small
    case = build(case_name)
    call = case.python if backend == "python" else case.rust
    _release_free_memory()
    rss_now = _status_kib("VmRSS")
    if rss_now is not None and _reset_high_water_mark():
        call()
        peak = _status_kib("VmHWM")
        if peak is not None:
            return RssPeak(backend, rss_now * 1024, peak * 1024, "VmHWM reset before the call")
    before_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import psutil

    baseline = psutil.Process().memory_info().rss
    sampled = peak_rss(call)
    after_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if after_max > before_max:  # the call set a new peak: ru_maxrss is exact (KiB on Linux)
        return RssPeak(backend, baseline, after_max * 1024, "ru_maxrss")
    return RssPeak(backend, baseline, baseline + sampled.peak_bytes, "RSS sampled every 1 ms")


def measure(case_name: str, backend: str, *, timeout_s: float = 1800) -> RssPeak:
    """:func:`probe` in a fresh ``python -m benchmarks.rss_probe`` subprocess."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.rss_probe", "--one-case", case_name, "--backend", backend],
        cwd=REPO, capture_output=True, text=True, timeout=timeout_s, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(
            f"rss probe of {case_name} ({backend}) failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return RssPeak(backend, data["baseline_bytes"], data["peak_bytes"], data["method"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one-case", required=True, help="a case name of benchmarks.phase1_cases")
    parser.add_argument("--backend", required=True, choices=("python", "rust"))
    args = parser.parse_args(argv)
    peak = probe(args.one_case, args.backend)
    print(
        json.dumps({
            "case": args.one_case, "backend": peak.backend, "baseline_bytes": peak.baseline_bytes,
            "peak_bytes": peak.peak_bytes, "delta_bytes": peak.delta_bytes, "method": peak.method,
        })
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
