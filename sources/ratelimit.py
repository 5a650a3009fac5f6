"""A client-side rate limit: request starts spaced at least ``(1 + headroom) / rate`` seconds apart.

It lives in the HTTP layer rather than in Prefect because Prefect's
``rate_limit`` needs the API and a limit created beforehand, and silently
skips a missing one (prefect-notes.md); this one cannot be misconfigured away.

Callers pass one at a time (a FIFO lock); each waits until ``interval`` has
passed since the previous caller actually got through, measured after its own
sleep. Spacing is therefore measured between real start times, not between
slots booked in advance: a waiter that wakes late (a busy event loop, a busy
CPU) does not let the next one start right behind it. There is no burst
allowance.

The quota is counted by the server, on its clock, after network jitter, so
starts are spaced ``(1 + headroom) / rate`` apart (2 % by default) rather
than exactly ``1 / rate``: a request delayed a little more than the one a
second before it then does not make the server count ``rate + 1``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class MinIntervalLimiter:
    """Let callers of :meth:`acquire` through one by one, ``interval`` seconds apart (one event loop)."""

    def __init__(
        self,
        rate: float,
        *,
        headroom: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if not 0 <= headroom < 1:
            raise ValueError(f"headroom must be in [0, 1), got {headroom}")
        self.rate = rate
        self.interval = (1.0 + headroom) / rate
        self._clock = clock
        self._sleep = sleep
        self._last = float("-inf")
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until ``interval`` has passed since the previous caller got through."""
        async with self._lock:
            delay = self._last + self.interval - self._clock()
            if delay > 0:
                await self._sleep(delay)
            self._last = self._clock()
