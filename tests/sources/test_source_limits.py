"""Rate limiter, backoff policy and gather_all, on a virtual clock (no real sleeping)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest

from sources.concurrency import gather_all
from sources.ratelimit import MinIntervalLimiter
from sources.retry import RetryPolicy, parse_retry_after


class VirtualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        # Advancing a shared clock by each sleeper's own delay would double-count
        # concurrent sleeps; each sleeper instead moves time up to its wake-up.
        target = self.now + delay
        await asyncio.sleep(0)
        self.now = max(self.now, target)


def test_limiter_spaces_concurrent_callers_by_the_interval():
    clock = VirtualClock()
    limiter = MinIntervalLimiter(10.0, clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        starts.append(clock())

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(25)))

    asyncio.run(main())

    starts.sort()
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert all(g == pytest.approx(0.102) for g in gaps)  # 1/10 s plus 2 % headroom
    per_window = max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts)
    assert per_window == 10


def test_limiter_lets_the_first_caller_through_at_once_and_after_idle_time():
    clock = VirtualClock()
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)
        await clock.sleep(delay)

    limiter = MinIntervalLimiter(2.0, headroom=0.0, clock=clock, sleep=sleep)

    async def main() -> None:
        await limiter.acquire()
        await limiter.acquire()
        clock.now += 5.0
        await limiter.acquire()

    asyncio.run(main())

    assert slept == [pytest.approx(0.5)]


def test_limiter_spacing_counts_from_when_a_late_waiter_got_through():
    clock = VirtualClock()
    late = {"first": True}

    async def oversleeping(delay: float) -> None:
        # The first sleeper wakes 0.3 s late (a busy event loop); the next must
        # still wait a full interval after it, not start right behind it.
        extra = 0.3 if late.pop("first", False) else 0.0
        await clock.sleep(delay + extra)

    limiter = MinIntervalLimiter(10.0, headroom=0.0, clock=clock, sleep=oversleeping)
    starts: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        starts.append(clock())

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(4)))

    asyncio.run(main())

    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps[0] == pytest.approx(0.4)
    assert all(g >= 0.1 - 1e-9 for g in gaps)


def test_limiter_rejects_bad_arguments():
    with pytest.raises(ValueError):
        MinIntervalLimiter(0.0)
    with pytest.raises(ValueError):
        MinIntervalLimiter(5.0, headroom=1.0)


def test_backoff_is_full_jitter_under_a_capped_exponential():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=4.0)
    rng = random.Random(1)

    for attempt in range(8):
        ceiling = min(4.0, 0.5 * 2**attempt)
        delays = [policy.backoff(attempt, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8 and min(delays) < ceiling * 0.2  # spread, not fixed


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
