"""How long to wait before retrying a portal request: the settings and tenacity's wait strategy.

The retry loop itself is tenacity's (:mod:`sources.http_client` builds one
``AsyncRetrying`` per request); this module holds what the portal needs of it
(docs/portal_apis.md, "Error answers"):

* :class:`RetryPolicy`, the retry settings of ``[sources]``: the number of
  retries, the backoff bounds, the code-22 pause and the ``Retry-After`` cap.
  All delays are fields, so tests use milliseconds and never sleep for real.
* :class:`FullJitterWait`, exponential backoff with full jitter (a uniform
  delay between 0 and ``min(max_delay, base * 2**retry)``), so many workers
  that failed together do not retry together. Prefect's own
  ``retry_jitter_factor`` is not applied to task retries, which is why the
  jitter lives here.
* :func:`parse_retry_after`: two answers override the backoff, ``Retry-After``
  on a 429/503 (the server says how long; honoured up to
  ``max_retry_after_s``) and the portal's code 22 "request limit exceeded" (a
  quota window, so a long fixed pause, ``limit_pause_s``). Neither tenacity nor
  httpx reads ``Retry-After``, hence this small parser.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState
from tenacity.wait import wait_exponential, wait_random_exponential


@dataclass(frozen=True)
class RetryPolicy:
    """Retry budget and delays of the HTTP client (the ``[sources]`` retry settings)."""

    #: Retries after the first attempt (so ``max_retries + 1`` attempts in all).
    max_retries: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    #: Pause after portal code 22 (request limit exceeded).
    limit_pause_s: float = 60.0
    #: Longest ``Retry-After`` honoured; longer values are capped to this.
    max_retry_after_s: float = 300.0

    @property
    def attempts(self) -> int:
        """Attempts in all, the first included (tenacity's ``stop_after_attempt``)."""
        return self.max_retries + 1

    def backoff_wait(self, rng: random.Random) -> FullJitterWait:
        """The tenacity wait strategy of this policy's backoff, drawing from ``rng``."""
        return FullJitterWait(multiplier=self.base_delay_s, max_s=self.max_delay_s, rng=rng)

    def retry_after(self, header: str | None, *, now: datetime | None = None) -> float | None:
        """Seconds to wait from a ``Retry-After`` header, capped; ``None`` if absent or unreadable.

        The cap (``max_retry_after_s``) keeps a misconfigured server from
        parking a run for a day."""
        seconds = parse_retry_after(header, now=now)
        if seconds is None:
            return None
        return min(seconds, self.max_retry_after_s)


class FullJitterWait(wait_random_exponential):
    """tenacity's full-jitter backoff, drawing from a given :class:`random.Random`.

    Before retry ``k`` (from 0; tenacity's ``attempt_number`` is ``k + 1``) it
    waits ``uniform(0, min(max, multiplier * 2**k))``, exactly
    ``wait_random_exponential``. That class draws from the module-level
    ``random``, which a test cannot seed without touching the whole process;
    here the generator is injected (``PortalClient(rng=...)``), so tests are
    deterministic.
    """

    def __init__(self, *, multiplier: float, max_s: float, rng: random.Random) -> None:
        super().__init__(multiplier=multiplier, max=max_s)
        self.rng = rng

    def __call__(self, retry_state: RetryCallState) -> float:
        ceiling = wait_exponential.__call__(self, retry_state)
        return self.rng.uniform(self.min, ceiling)


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
