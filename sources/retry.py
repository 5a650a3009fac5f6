"""When and how long to wait before retrying a request.

Exponential backoff with full jitter (a uniform delay between 0 and
``min(max_delay, base * 2**attempt)``), so many workers that failed together
do not retry together. Prefect's own ``retry_jitter_factor`` is not applied to
task retries (prefect-notes.md), which is why the jitter lives here.

Two answers override the backoff: ``Retry-After`` on a 429/503 (the server
says how long; honoured up to ``max_retry_after_s``) and the portal's code 22
"request limit exceeded" (a quota window, so a long fixed pause). All delays
are fields, so tests use milliseconds and never sleep for real.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """Retry budget and delays of the HTTP client."""

    #: Retries after the first attempt (so ``max_retries + 1`` attempts in all).
    max_retries: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    #: Pause after portal code 22 (request limit exceeded).
    limit_pause_s: float = 60.0
    #: Longest ``Retry-After`` honoured; longer values are capped to this.
    max_retry_after_s: float = 300.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter delay before retry number ``attempt`` (0-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2.0**attempt))
        return rng.uniform(0.0, ceiling)

    def retry_after(self, header: str | None, *, now: datetime | None = None) -> float | None:
        """Seconds to wait from a ``Retry-After`` header, capped; ``None`` if absent or unreadable."""
        seconds = parse_retry_after(header, now=now)
        if seconds is None:
            return None
        return min(seconds, self.max_retry_after_s)


def parse_retry_after(header: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if header is None:
        return None
    value = header.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
