"""The async HTTP client shared by the three live sources.

One :class:`PortalClient` serves all three APIs, because they share a host
and a portal account: one connection pool, one concurrency bound, one rate
limit. Per attempt it

1. waits for a free slot of the concurrency bound (``asyncio.Semaphore``), then
   for its turn under the rate limit (an ``aiolimiter.AsyncLimiter`` configured
   by :func:`sources.ratelimit.min_interval_limiter` never to burst) — in that
   order, so requests queued on the semaphore cannot pile up rate slots and
   then start in a burst;
2. records the attempt with the request ledger, if one was given
   (:meth:`sources.budget.RequestLedger.spend`): every attempt counts, retries
   included, because the portal counts them. A spent budget raises
   :class:`sources.errors.BudgetExhaustedError` unchanged, and nothing is sent;
3. sends ``GET`` with the service key placed by :class:`ServiceKey`;
4. classifies the answer: transport errors, HTTP 429/5xx and portal codes 01,
   02, 04, 05, 22 are retried (backoff with full jitter, ``Retry-After``, a
   long pause for 22); code 03 raises :class:`NoDataError`; fatal codes and
   other 4xx raise at once. The retry loop is tenacity's ``AsyncRetrying``,
   one per request: an attempt worth retrying raises the internal
   :class:`_RetryableFailure`, the only type it retries; every other error
   leaves the loop unchanged at once. Portal error bodies are detected with
   :func:`portal.raise_for_portal_error` (JSON
   ``resultCode`` and the gateway's XML envelope, which comes with HTTP 200
   even on a JSON request), the same detection the transforms use;
5. if the caller passed a ``check``, asks it whether the success body is
   complete (:data:`PageCheck`): a :class:`Shortfall` is retried like a
   transient fault, with reason ``"incomplete page"``, the same backoff and
   the same ledger charge per attempt; if every attempt is short,
   :class:`sources.errors.IncompleteAnswerError` is raised. A short answer is
   never returned as if it were complete.

The request URL is never logged or put in an error (it carries the key);
messages name the source, the path and the non-secret parameters.
"""

from __future__ import annotations

import asyncio
import functools
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import NoReturn
from urllib.parse import urlencode

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base

from foundations.errors import PortalError
from foundations.settings import SourceSettings
from portal import raise_for_portal_error
from sources.budget import RequestLedger
from sources.errors import (
    HTTPStatusSourceError,
    IncompleteAnswerError,
    RetryablePortalError,
    SourceError,
    SourcePortalError,
    SourceUnavailableError,
    classify,
)
from sources.ratelimit import min_interval_limiter
from sources.redaction import install_log_filter, redact
from sources.retry import RetryPolicy
from sources.service_key import ServiceKey

log = structlog.get_logger("sources.http")

Params = Mapping[str, str | int]

#: The retry reason of a page whose records disagree with its declared counts.
INCOMPLETE_PAGE = "incomplete page"


@dataclass(frozen=True)
class Shortfall:
    """Why a success page is not the whole page its answer declares.

    ``declared`` is the record count the answer's own fields promise for this
    page (``totalCount`` and ``numOfRows``, ...), ``received`` the count it
    holds, ``detail`` which counts were compared, in words (no secrets: it is
    shown in logs and errors). ``hint`` is added to the final error, for a
    cause the operator can act on.
    """

    declared: int
    received: int
    detail: str
    hint: str = ""


#: A source's completeness check of one success body: ``None`` if complete.
#: It may raise :class:`sources.errors.MalformedBodyError` (not retried).
PageCheck = Callable[[bytes], Shortfall | None]


def records_on_page(total: int, page: int, page_size: int) -> int:
    """Records on page ``page`` (from 1) of a ``total``-record answer paged by ``page_size``."""
    return max(0, min(page_size, total - (page - 1) * page_size))


def page_shortfall(
    page: int, page_size: int, first_total: int | None, total: int, received: int, count_name: str
) -> Shortfall | None:
    """How page ``page`` falls short of its answer's counts, or ``None`` when it is whole.

    ``total`` is the record count this page declares (``count_name``, e.g.
    ``totalCount``), ``first_total`` the one page 1 declared (``None`` on page
    1 itself), ``received`` the records the page holds.
    """
    if first_total is not None and total != first_total:
        return Shortfall(
            declared=first_total,
            received=total,
            detail=f"page {page} declares {count_name} {total}, page 1 declared {first_total}",
        )
    expected = records_on_page(total, page, page_size)
    if received == expected:
        return None
    pages = max(1, math.ceil(total / page_size))
    return Shortfall(
        declared=expected,
        received=received,
        detail=f"page {page} of {pages}: {count_name} {total} and "
        f"numOfRows {page_size} declare {expected} records on it",
    )


@dataclass
class ClientStats:
    """Counts of one client's life, for run reports and benchmarks."""

    requests: int = 0
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)


class _RetryableFailure(Exception):
    """An attempt that failed in a way worth retrying: the one type the retry loop retries.

    Internal: it never leaves :meth:`PortalClient.get`, which turns the last
    one into a typed error. Its text is the reason only (no URL, no key).
    """

    def __init__(
        self,
        reason: str,
        wait: float | None = None,
        error: SourcePortalError | None = None,
        shortfall: Shortfall | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        #: Server-imposed wait (Retry-After, code 22); ``None``: use the backoff.
        self.wait = wait
        #: The portal error to raise if the retries run out.
        self.error = error
        #: The page was short: raise IncompleteAnswerError if the retries run out.
        self.shortfall = shortfall


def _failure(retry_state: RetryCallState) -> _RetryableFailure:
    """The failure of the attempt tenacity just ran (callbacks run only after a retryable one)."""
    assert retry_state.outcome is not None
    failure = retry_state.outcome.exception()
    assert isinstance(failure, _RetryableFailure)
    return failure


class _ImposedWaitOrBackoff(wait_base):
    """The wait the server imposed (``Retry-After``, code 22) if any, else the backoff.

    Not tenacity's ``wait_a + wait_b`` (``wait_combine``), which would add the
    jittered backoff on top of a server-imposed wait: the portal says how long,
    and code 22's pause is already long.
    """

    def __init__(self, backoff: wait_base) -> None:
        self.backoff = backoff

    def __call__(self, retry_state: RetryCallState) -> float:
        imposed = _failure(retry_state).wait
        return imposed if imposed is not None else self.backoff(retry_state)


def describe(path: str, params: Params) -> str:
    """``GET /path (a=1, b=2)``: a request as errors and logs show it (no key)."""
    shown = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"GET {path} ({shown})" if shown else f"GET {path}"


class PortalClient:
    """Bounded, rate-limited, retrying ``GET`` against the data.go.kr APIs.

    Use as an async context manager (or call :meth:`aclose`) so the
    connection pool is closed, and within one event loop (its semaphore and
    rate limiter belong to the loop that first uses them): open one client per
    run. ``ledger`` counts every attempt against the daily budgets (``None``:
    not counted). ``transport``, ``sleep`` and ``rng`` exist for tests and
    benchmarks; production code passes none of them.
    """

    def __init__(
        self,
        *,
        base_url: str,
        service_key: ServiceKey,
        timeout_s: float = 30.0,
        max_concurrency: int = 8,
        requests_per_second: float = 20.0,
        retry: RetryPolicy | None = None,
        ledger: RequestLedger | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        install_log_filter()
        self.base_url = base_url.rstrip("/")
        self.key = service_key
        self.retry = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.stats = ClientStats()
        self.ledger = ledger
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._limiter = min_interval_limiter(requests_per_second)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
            transport=transport,
            follow_redirects=False,
        )

    @classmethod
    def from_settings(
        cls,
        settings: SourceSettings,
        *,
        retry: RetryPolicy | None = None,
        ledger: RequestLedger | None = None,
        **kwargs: object,
    ) -> PortalClient:
        """A client configured by ``[sources]`` (a missing key is a ConfigError).

        ``ledger`` is passed through; the budgets it enforces are the ledger's
        business (``[sources.<api>] daily_request_budget`` for the real ones).
        """
        return cls(
            base_url=settings.base_url,
            service_key=ServiceKey.from_setting(settings.service_key),
            timeout_s=settings.timeout_s,
            max_concurrency=settings.max_concurrency,
            requests_per_second=settings.requests_per_second,
            retry=retry
            or RetryPolicy(
                max_retries=settings.max_retries,
                base_delay_s=settings.backoff_base_s,
                max_delay_s=settings.backoff_max_s,
                limit_pause_s=settings.limit_pause_s,
                max_retry_after_s=settings.max_retry_after_s,
            ),
            ledger=ledger,
            **kwargs,  # type: ignore[arg-type]
        )

    async def __aenter__(self) -> PortalClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def url(self, path: str, params: Params) -> str:
        """The full request URL. Secret: never log it, never put it in an error."""
        query = f"serviceKey={self.key.query_value()}"
        if params:
            query += "&" + urlencode([(k, str(v)) for k, v in params.items()])
        return f"{self.base_url}{path}?{query}"

    async def get(
        self,
        path: str,
        params: Params,
        *,
        source: str,
        check: PageCheck | None = None,
        refetch: Shortfall | None = None,
    ) -> bytes:
        """The body of a successful (and, with ``check``, complete) answer; typed errors otherwise.

        ``check`` inspects each success body; a :class:`Shortfall` makes the
        attempt a retryable failure (reason :data:`INCOMPLETE_PAGE`), and if
        the last attempt is still short :class:`IncompleteAnswerError` is
        raised. ``refetch`` says that an earlier answer to this very request
        was already found short, after it had been accepted (the wind API
        shows a lost record only by the page that follows): the call then
        counts as that request's first retry — counted, backed off, with one
        attempt fewer left — so a page costs at most ``max_retries + 1``
        attempts however its shortness came to light.
        """
        what = describe(path, params)
        url = self.url(path, params)
        policy = self.retry
        pending = refetch

        async def attempt() -> bytes:
            nonlocal pending
            if pending is not None:
                # The short answer that came to light later is this request's
                # first (failed) attempt: nothing is sent, nothing is charged.
                short, pending = pending, None
                raise _RetryableFailure(INCOMPLETE_PAGE, shortfall=short)
            return await self._attempt(url, what, source, check)

        # One AsyncRetrying per request: tenacity keeps the state of a retry
        # loop on the object (thread-local, so concurrent requests of one event
        # loop would share it).
        retrying = AsyncRetrying(
            # Only the failures classified above are retried. tenacity's default
            # retries every exception; fatal codes, code 03, other 4xx, a spent
            # budget (and cancellation) must leave at once, unchanged.
            retry=retry_if_exception_type(_RetryableFailure),
            stop=stop_after_attempt(policy.attempts),
            wait=_ImposedWaitOrBackoff(policy.backoff_wait(self._rng)),
            sleep=self._wait,
            after=self._count_failure,
            before_sleep=functools.partial(self._before_retry, source, what),
            # tenacity would raise RetryError; the caller gets a typed error instead.
            retry_error_callback=functools.partial(self._give_up, source, what, policy.attempts),
        )
        body: bytes = await retrying(attempt)
        return body

    def _count_failure(self, retry_state: RetryCallState) -> None:
        """Count the reason of every retryable failure, the last one included."""
        reasons = self.stats.retry_reasons
        reason = _failure(retry_state).reason
        reasons[reason] = reasons.get(reason, 0) + 1

    def _before_retry(self, source: str, what: str, retry_state: RetryCallState) -> None:
        """Count and log retry number ``attempt_number`` before its wait."""
        failure = _failure(retry_state)
        self.stats.retries += 1
        extra = {"detail": failure.shortfall.detail} if failure.shortfall is not None else {}
        log.warning(
            "source.retry",
            source=source,
            request=what,
            attempt=retry_state.attempt_number,
            reason=failure.reason,
            delay_s=round(retry_state.upcoming_sleep, 3),
            **extra,
        )

    async def _wait(self, seconds: float) -> None:
        # tenacity passes its DoSleep (a float subclass); the injected sleep gets a float.
        await self._sleep(float(seconds))

    @staticmethod
    def _give_up(source: str, what: str, attempts: int, retry_state: RetryCallState) -> NoReturn:
        last = _failure(retry_state)
        if last.shortfall is not None:
            short = last.shortfall
            raise IncompleteAnswerError(
                source,
                request=what,
                declared=short.declared,
                received=short.received,
                detail=short.detail,
                attempts=attempts,
                hint=short.hint,
            ) from None
        if last.error is not None:
            err = last.error
            raise RetryablePortalError(
                err.code,
                err.message,
                source=source,
                detail=f"{err.detail}; still failing after {attempts} attempts of {what}",
            ) from None
        raise SourceUnavailableError(
            f"{source}: {what} failed after {attempts} attempts; last failure: {last.reason}",
            source=source,
        ) from None

    async def _attempt(
        self, url: str, what: str, source: str, check: PageCheck | None = None
    ) -> bytes:
        """One attempt: the body, or :class:`_RetryableFailure`, or a typed error not retried."""
        async with self._semaphore:
            await self._limiter.acquire()
            # Counted here, after the slot and the rate-limit turn, so that a
            # request is recorded only when it is really about to go out; a
            # BudgetExhaustedError propagates as is and nothing is sent.
            if self.ledger is not None:
                self.ledger.spend(source)
            self.stats.requests += 1
            started = time.perf_counter()
            transient: str | None = None
            try:
                response = await self._http.get(url)
            except httpx.TimeoutException as exc:
                transient = f"timeout ({type(exc).__name__})"
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                transient = f"connection error ({type(exc).__name__})"
            except httpx.HTTPError as exc:
                # Not transient (bad URL, unsupported protocol, ...). The httpx
                # message may quote the URL, hence redact and no chaining.
                raise SourceError(
                    f"{source}: {what} failed: {type(exc).__name__}: {redact(exc, url)}",
                    source=source,
                ) from None
        if transient is not None:
            # Raised outside the except clause, so that the failure does not
            # hold the httpx error (whose text may quote the URL) as context.
            raise _RetryableFailure(transient)
        status = response.status_code
        body = response.content
        log.debug(
            "source.response",
            source=source,
            request=what,
            status=status,
            bytes=len(body),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        if status == 429 or status >= 500:
            wait = None
            if status in (429, 503):
                wait = self.retry.retry_after(response.headers.get("Retry-After"))
            raise _RetryableFailure(f"HTTP {status}", wait)
        portal = self._portal_error(body, source)
        if portal is not None:
            if isinstance(portal, RetryablePortalError):
                wait = self.retry.limit_pause_s if portal.code == "22" else None
                raise _RetryableFailure(f"portal code {portal.code}", wait, portal)
            raise portal
        if not 200 <= status < 300:
            raise HTTPStatusSourceError(
                f"{source}: {what} answered HTTP {status} {response.reason_phrase}; "
                "not retried (check the base URL and path)",
                status=status,
                source=source,
            )
        if check is not None:
            shortfall = check(body)
            if shortfall is not None:
                raise _RetryableFailure(INCOMPLETE_PAGE, shortfall=shortfall)
        return body

    def _portal_error(self, body: bytes, source: str) -> SourcePortalError | None:
        try:
            raise_for_portal_error(body, source=source)
        except PortalError as err:
            hint = self.key.diagnosis() if err.code in ("30", "33") else ""
            return classify(err, hint=hint)
        return None
