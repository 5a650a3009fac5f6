"""Every native entry point releases the GIL while it computes.

No timing is measured or asserted. The switch interval is set far beyond the
test's length, so the interpreter never takes the GIL from a thread by force:
a thread gives it up only by itself (a blocking wait, or a native call that
releases it).

The check (:func:`_main_progress_during`): a worker thread sets ``started``
right before the call and ``finished`` right after it, and does nothing else
in between (inputs are built beforehand). The main thread waits for
``started``, then loops until ``finished``: each pass runs Python bytecode (a
counter increment) with the GIL held, then blocks on ``finished`` for at most
1 ms, which releases the GIL so that the worker can take it back once its call
returns. A call that holds the GIL keeps the main thread out from
``started.set()`` until the worker's thread has ended, so the counter stays at
exactly :data:`GIL_HELD_PROGRESS` (0), on every attempt; the negative control
(a Python loop) checks that the check fails for such a call. A counter above
it proves that the main thread ran bytecode while the worker was between
``started`` and ``finished``, that is inside the native call (or waiting for
the GIL after a call that released it).

The inputs are sized so that each call takes far longer than the main thread
needs to wake up (roughly 50-120 ms each on an idle machine, against ~1 ms
with small inputs), so the main thread runs during the call even on a loaded
machine. A release could in principle still go unseen if the main thread is
not scheduled at all for a whole call, so a few attempts are allowed: that can
only turn a missed release into a seen one, never a held GIL into a release.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from foundations.settings import LimitSettings

#: What the main thread can count while a call holds the GIL throughout: nothing.
GIL_HELD_PROGRESS = 0
ATTEMPTS = 3


def _kernel_args(n: int) -> tuple:
    x = np.arange(n, dtype=np.float64)
    values = np.sin(x)
    values[::7] = np.nan
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    starts = np.array([0, n], dtype=np.int64)
    return (x, starts, values, np.zeros(n, dtype=np.int64), empty_i, empty_i, empty_f, 3)


def _frame_args(n: int) -> tuple:
    """``impute_frame``'s arguments for ``n`` rows of string times and station names.

    The strings' ``&str`` are collected with the GIL held; parsing, sorting,
    the kernel and the report run without it, and take most of the call.
    """
    hours = n // 4
    times = pd.date_range("2020-01-01", periods=hours, freq="h").strftime("%Y-%m-%d %H:%M")
    tm = np.tile(times.to_numpy(dtype=object), 4)
    stations = np.repeat(np.array(["a", "b", "c", "d"], dtype=object), hours)
    values = np.sin(np.arange(len(tm), dtype=np.float64))
    values[::7] = np.nan
    frame = (("text", tm, None), ("text", stations), [("floats", values), ("floats", values)])
    names = ("'tm'", "tm"), ("'stnNm'", "stnNm"), [("'ta'", "ta"), ("'hm'", "hm")]
    return (frame, None, *names, 3)


def _alternating_nan(n: int) -> np.ndarray:
    """``n / 2`` one-value gaps: many runs, so the scan does real work per element."""
    values = np.zeros(n)
    values[::2] = np.nan
    return values


def _wind(records: int) -> bytes:
    return (
        b'{"response":{"header":{"resultCode":"00"},"body":{"content":['
        + b",".join(
            b'{"dgenYmd":"20240301","ippt":"P%d","hogi":1,"ipptNam":"n","qhorGen01":"1.5"}' % i
            for i in range(records)
        )
        + b"]}}}"
    )


def _pv(items: int) -> bytes:
    return (
        b"<response><body><items>"
        + b"".join(
            b"<item><ymd>20240301</ymd><hogi>1</hogi><gencd>G%d</gencd></item>" % i
            for i in range(items)
        )
        + b"</items></body></response>"
    )


def _asos(items: int) -> bytes:
    return (
        b'{"response":{"header":{"resultCode":"00"},"body":{"items":{"item":['
        + b",".join(
            b'{"tm":"2024-01-01 01:00","stnId":"108","stnNm":"a","ta":"1"}' for _ in range(items)
        )
        + b"]}}}}"
    )


_LIMITS = (LimitSettings().max_body_bytes, LimitSettings().max_json_depth)


def _bound(fn: Callable[..., object], *args: object) -> Callable[[], object]:
    return lambda: fn(*args)


#: Per entry point: given the module, a zero-argument call with its (large) inputs built.
CALLS: dict[str, Callable[[ModuleType], Callable[[], object]]] = {
    "find_missing_runs": lambda n: _bound(n.find_missing_runs, _alternating_nan(10_000_000)),
    "impute_kernel": lambda n: _bound(n.impute_kernel, *_kernel_args(2_000_000)),
    "impute_frame": lambda n: _bound(n.impute_frame, *_frame_args(1_000_000)),
    # (records, max_body_bytes, max_json_depth): the settings' default limits.
    "wind_to_long": lambda n: _bound(n.wind_to_long, _wind(80_000), "end", False, *_LIMITS),
    "pv_to_long": lambda n: _bound(n.pv_to_long, _pv(40_000), False, _LIMITS[0]),
    "asos_to_frame": lambda n: _bound(n.asos_to_frame, _asos(200_000), ["ta"], *_LIMITS),
    # Batches: the bodies are read in parallel, so each gets a share of the work.
    "wind_to_long_batch": lambda n: _bound(
        n.wind_to_long_batch, [_wind(20_000)] * 4, "end", *_LIMITS
    ),
    "pv_to_long_batch": lambda n: _bound(n.pv_to_long_batch, [_pv(10_000)] * 4, _LIMITS[0]),
    "asos_to_frame_batch": lambda n: _bound(
        n.asos_to_frame_batch, [_asos(50_000)] * 4, ["ta"], *_LIMITS
    ),
}


def _python_loop(iterations: int) -> Callable[[], object]:
    """A call that holds the GIL for its whole length (pure bytecode, no blocking)."""

    def spin() -> int:
        total = 0
        for i in range(iterations):
            total += i
        return total

    return spin


@pytest.fixture
def no_forced_switch() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _main_progress_during(call: Callable[[], object]) -> int:
    """Passes of the main thread's bytecode loop while a worker thread runs ``call``."""
    started, finished = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            started.set()
            call()
        except BaseException as exc:  # noqa: BLE001 - reported below; a thread cannot raise into the test
            errors.append(exc)
        finally:
            finished.set()

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait()
    progress = 0
    while not finished.wait(0.001):  # blocking here releases the GIL
        progress += 1  # bytecode run with the GIL held, the worker not yet finished
    thread.join()
    assert not errors, errors
    return progress


def test_a_call_holding_the_gil_fails_the_check(no_forced_switch: None) -> None:
    call = _python_loop(3_000_000)
    progress = [_main_progress_during(call) for _ in range(ATTEMPTS)]
    assert progress == [GIL_HELD_PROGRESS] * ATTEMPTS


@pytest.mark.parametrize("entry", sorted(CALLS))
def test_native_call_releases_the_gil(
    native: ModuleType, no_forced_switch: None, entry: str
) -> None:
    call = CALLS[entry](native)
    progress: list[int] = []
    while (
        len(progress) < ATTEMPTS and max(progress, default=GIL_HELD_PROGRESS) <= GIL_HELD_PROGRESS
    ):
        progress.append(_main_progress_during(call))
    assert max(progress) > GIL_HELD_PROGRESS, (
        f"{entry} held the GIL for its whole computation (main-thread progress {progress})"
    )
