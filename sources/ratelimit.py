"""The client-side rate limit: an :class:`aiolimiter.AsyncLimiter` that never bursts.

It lives in the HTTP layer rather than in Prefect because Prefect's
``rate_limit`` needs the API and a limit created beforehand, and silently
skips a missing one; this one cannot be misconfigured away.

``AsyncLimiter(max_rate, time_period)`` is a leaky bucket of capacity
``max_rate``: its obvious configuration for "``rate`` requests a second",
``AsyncLimiter(rate, 1)``, lets ``rate`` requests start at once (from a cold
start, or after any idle second) and only then spaces them. The portal counts
requests on its own clock, so such a burst can make it see more than ``rate``
in a second and answer code 22 (request limit exceeded, a long pause). Hence
a bucket of capacity **1** that drains in one interval: at most one request
starts per interval, and a start is spaced from the previous *actual* start
(the bucket never holds more than one request's credit), so a waiter that
wakes late — a busy event loop — does not let the next one start right behind
it.

The quota is counted by the server after network jitter, so starts are
spaced ``(1 + headroom) / rate`` apart (2 % by default) rather than exactly
``1 / rate``: a request delayed a little more than the one a second before it
then does not make the server count ``rate + 1``.

Like any asyncio primitive, a limiter belongs to the event loop that first
uses it (aiolimiter warns if it is reused on another loop): one per client,
one client per run.
"""

from __future__ import annotations

from aiolimiter import AsyncLimiter

#: Extra spacing between request starts, as a fraction of ``1 / rate``.
DEFAULT_HEADROOM = 0.02


def min_interval_limiter(rate: float, *, headroom: float = DEFAULT_HEADROOM) -> AsyncLimiter:
    """A limiter letting one caller through per ``(1 + headroom) / rate`` seconds, with no burst."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    if not 0 <= headroom < 1:
        raise ValueError(f"headroom must be in [0, 1), got {headroom}")
    # Not AsyncLimiter(rate, 1): that default allows a burst of `rate` (see above).
    return AsyncLimiter(1, (1.0 + headroom) / rate)
