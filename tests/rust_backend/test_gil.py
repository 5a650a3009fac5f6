"""Every native entry point releases the GIL while it computes.

No timing is measured. With the switch interval set far beyond the test's
length, the interpreter never takes the GIL from a thread by force: a worker
thread keeps it from ``started.set()`` until it releases it itself, and it
does nothing but the native call in between (inputs are built beforehand). So
the main thread can observe "started but not finished" only if the native call
released the GIL; a call that held it lets the worker finish first, every time.
A release can still go unobserved when the main thread wakes up late (a loaded
machine) and the call is already over, so a few attempts are allowed: that can
only turn a missed release into a seen one, never a held GIL into a release.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from types import ModuleType

import numpy as np
import pytest


def _kernel_args(n: int) -> tuple:
    x = np.arange(n, dtype=np.float64)
    values = np.sin(x)
    values[::7] = np.nan
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    starts = np.array([0, n], dtype=np.int64)
    return (x, starts, values, np.zeros(n, dtype=np.int64), empty_i, empty_i, empty_f, 3)


_WIND = (
    b'{"response":{"header":{"resultCode":"00"},"body":{"content":['
    + b",".join(
        b'{"dgenYmd":"20240301","ippt":"P%d","hogi":1,"ipptNam":"n","qhorGen01":"1.5"}' % i
        for i in range(2000)
    )
    + b"]}}}"
)
_PV = (
    b"<response><body><items>"
    + b"".join(b"<item><ymd>20240301</ymd><hogi>1</hogi><gencd>G%d</gencd></item>" % i for i in range(2000))
    + b"</items></body></response>"
)
_ASOS = (
    b'{"response":{"header":{"resultCode":"00"},"body":{"items":{"item":['
    + b",".join(b'{"tm":"2024-01-01 01:00","stnId":"108","stnNm":"a","ta":"1"}' for _ in range(2000))
    + b"]}}}}"
)

def _bound(fn: Callable[..., object], *args: object) -> Callable[[], object]:
    return lambda: fn(*args)


#: Per entry point: given the module, a zero-argument call with its inputs built.
CALLS: dict[str, Callable[[ModuleType], Callable[[], object]]] = {
    "find_missing_runs": lambda n: _bound(n.find_missing_runs, np.full(500_000, np.nan)),
    "impute_kernel": lambda n: _bound(n.impute_kernel, *_kernel_args(100_000)),
    "wind_to_long": lambda n: _bound(n.wind_to_long, _WIND, "end"),
    "pv_to_long": lambda n: _bound(n.pv_to_long, _PV),
    "asos_to_frame": lambda n: _bound(n.asos_to_frame, _ASOS, ["ta"]),
}
ATTEMPTS = 10


@pytest.fixture
def no_forced_switch() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _released_during(call: Callable[[], object]) -> bool:
    started, finished = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            started.set()
            call()
        except BaseException as exc:  # reported below; a thread cannot raise into the test
            errors.append(exc)
        finally:
            finished.set()

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait()
    seen = not finished.is_set()
    finished.wait()
    thread.join()
    assert not errors, errors
    return seen


@pytest.mark.parametrize("entry", sorted(CALLS))
def test_native_call_releases_the_gil(native: ModuleType, no_forced_switch: None, entry: str) -> None:
    call = CALLS[entry](native)
    assert any(_released_during(call) for _ in range(ATTEMPTS)), (
        f"{entry} held the GIL for its whole computation"
    )
