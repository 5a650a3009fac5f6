"""Rate limiter, backoff policy and gather_all, on a virtual clock (no real sleeping).

The limiter is aiolimiter's, which reads the event loop's clock and wakes
waiters with ``loop.call_at``; :class:`VirtualTimeLoop` is an event loop whose
clock jumps to the next timer instead of waiting for it, so the spacing below
is exact and the tests take no time.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import selectors
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest
from aiolimiter import AsyncLimiter
from tenacity import RetryCallState

from sources.concurrency import gather_all
from sources.ratelimit import min_interval_limiter
from sources.retry import FullJitterWait, RetryPolicy, parse_retry_after

#: The least a virtual clock moves per idle turn of the loop.
TICK = 1e-9


class _JumpingSelector(selectors.DefaultSelector):
    """Polls without blocking; when nothing is ready, moves the loop's clock to the next timer.

    Each idle turn also moves the clock by at least a nanosecond, as a real
    clock would: aiolimiter re-arms its timer for a float-rounding remainder of
    capacity, which would otherwise come due again at the same instant forever.
    """

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None:  # no timer pending: only I/O can wake the loop
            return super().select(None)
        events = super().select(0)
        if not events:
            self._loop.now += max(timeout, TICK)
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 100.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self.now


def run_virtual(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main())


def starts_of(limiter: AsyncLimiter, callers: int) -> list[float]:
    """When each of ``callers`` concurrent callers got through ``limiter`` (virtual s from 0)."""
    starts: list[float] = []

    async def one(t0: float) -> None:
        await limiter.acquire()
        starts.append(asyncio.get_running_loop().time() - t0)

    async def main() -> None:
        t0 = asyncio.get_running_loop().time()
        await asyncio.gather(*(one(t0) for _ in range(callers)))

    run_virtual(main)
    return starts


def gaps(starts: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(starts)]


def test_limiter_spaces_concurrent_callers_by_the_interval():
    starts = starts_of(min_interval_limiter(10.0), 25)

    assert starts[0] == pytest.approx(0.0, abs=1e-6)  # the first caller at once
    # 1/10 s plus 2 % headroom
    assert all(g == pytest.approx(0.102, abs=1e-6) for g in gaps(starts))
    per_window = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
    assert per_window == 10


def test_aiolimiter_default_configuration_would_burst():
    # Why min_interval_limiter does not use AsyncLimiter(rate, 1): from a cold
    # start that lets `rate` callers through at once, and the portal, counting on
    # its own clock, could see more than `rate` requests in a second.
    starts = starts_of(AsyncLimiter(10, 1), 25)

    assert starts[:10] == [pytest.approx(0.0, abs=1e-6)] * 10
    per_window = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
    assert per_window > 10


def test_limiter_lets_the_first_caller_through_at_once_and_after_idle_time():
    limiter = min_interval_limiter(2.0, headroom=0.0)
    starts: list[float] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for pause in (0.0, 0.0, 5.0):
            await asyncio.sleep(pause)
            await limiter.acquire()
            starts.append(loop.time() - t0)

    run_virtual(main)

    # Only the second caller waited (0.5 s); after 5 s idle the third went at
    # once, and with no credit saved up beyond one request.
    assert starts == [pytest.approx(t, abs=1e-6) for t in (0.0, 0.5, 5.5)]


def test_limiter_spacing_counts_from_when_a_late_waiter_got_through():
    limiter = min_interval_limiter(10.0, headroom=0.0)
    starts: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        starts.append(asyncio.get_running_loop().time())

    def busy(loop: VirtualTimeLoop) -> None:
        # A callback that holds the loop for 0.35 s just before the second
        # caller's turn (0.1 s): that caller gets through 0.3 s late, and the
        # next must still wait a full interval after it, not start right behind it.
        loop.now += 0.35

    async def main() -> None:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        loop.call_at(loop.time() + 0.05, busy, loop)
        await asyncio.gather(*(one() for _ in range(4)))

    run_virtual(main)

    assert gaps(starts)[0] == pytest.approx(0.4, abs=1e-6)
    assert all(g >= 0.1 for g in gaps(starts))


def test_limiter_rejects_bad_arguments():
    with pytest.raises(ValueError):
        min_interval_limiter(0.0)
    with pytest.raises(ValueError):
        min_interval_limiter(5.0, headroom=1.0)


def before_retry(number: int) -> RetryCallState:
    """tenacity's state before retry ``number`` (from 0): attempt ``number + 1`` has failed."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = number + 1
    return state


def test_backoff_is_full_jitter_under_a_capped_exponential():
    wait = RetryPolicy(base_delay_s=0.5, max_delay_s=4.0).backoff_wait(random.Random(1))
    assert isinstance(wait, FullJitterWait)

    for retry in range(8):
        ceiling = min(4.0, 0.5 * 2**retry)
        delays = [wait(before_retry(retry)) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8 and min(delays) < ceiling * 0.2  # spread, not fixed


def test_backoff_draws_from_the_injected_generator():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=4.0)

    def draws(seed: int) -> list[float]:
        wait = policy.backoff_wait(random.Random(seed))
        return [wait(before_retry(r)) for r in range(6)]

    assert draws(7) == draws(7) != draws(8)


def test_parse_retry_after_forms():
    now = datetime(2024, 1, 30, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Tue, 30 Jan 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Tue, 30 Jan 2024 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert RetryPolicy(max_retry_after_s=60).retry_after("3600") == 60.0


def test_gather_all_cancels_the_rest_on_the_first_error():
    cancelled: list[int] = []

    async def slow(i: int) -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        return i

    async def boom() -> int:
        await asyncio.sleep(0)
        raise KeyError("first")

    async def main() -> None:
        await gather_all([slow(1), boom(), slow(2)])

    with pytest.raises(KeyError, match="first"):
        asyncio.run(main())

    assert sorted(cancelled) == [1, 2]


def test_gather_all_keeps_input_order():
    async def val(i: int) -> int:
        await asyncio.sleep(0.001 * (5 - i))
        return i

    assert asyncio.run(gather_all(val(i) for i in range(5))) == [0, 1, 2, 3, 4]
