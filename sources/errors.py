"""Typed errors of the HTTP sources, and the classification of portal result codes.

A flow needs to tell three things apart (docs/portal_apis.md, "Error answers"):

* retryable: timeouts, connection errors, HTTP 5xx and 429, and the portal
  codes 01, 02, 04, 05 and 22 (22 after a longer pause). The client retries
  these itself; if they persist it raises :class:`RetryablePortalError` or
  :class:`SourceUnavailableError`.
* fatal: codes 10-12, 20, 21, 30-33, other HTTP 4xx. Retrying cannot help;
  :class:`FatalPortalError` names the code and the fix.
* no data: code 03. :class:`NoDataError`, never retried, never an alarm.
* budget spent: :class:`BudgetExhaustedError`, raised by a request ledger
  (:mod:`sources.budget`) before a request is sent. Neither retried nor "no
  data": the run stops and says how to continue.
* incomplete: a success answer whose record count disagrees with the counts
  it declares itself (``totalCount``/``totalCnt``, ``numOfRows``). The client
  asks that page again (retry reason "incomplete page"); if it stays short,
  :class:`IncompleteAnswerError`. Never returned as a complete answer.

The portal classes subclass :class:`foundations.errors.PortalError`, so a flow
that catches the registry's type (which the payload transforms raise) also
catches these. No message here ever carries a secret: texts that come from
outside (portal messages, httpx errors) are passed through
:func:`sources.redaction.redact` before they are stored.
"""

from __future__ import annotations

import enum
from datetime import date

from foundations.errors import EnergyError, PortalError
from sources.redaction import redact


class CodeKind(enum.Enum):
    """What a portal result code means for the caller."""

    RETRYABLE = "retryable"
    RATE_LIMITED = "rate_limited"  # retryable, after a longer pause (code 22)
    FATAL = "fatal"
    NO_DATA = "no_data"
    UNKNOWN = "unknown"


#: The fix for each fatal code, in words an operator can act on.
FATAL_CODES: dict[str, str] = {
    "10": "invalid request parameter — a date, station or plant code the API rejects; "
    "check the arguments of the request",
    "11": "missing mandatory parameter — the request lacks a parameter the API requires; "
    "this is a bug in sources/",
    "12": "no such service — the API path is wrong or the service was withdrawn; "
    "check ENERGY_SOURCES__BASE_URL and the API's page on data.go.kr",
    "20": "access denied — the service key is not approved for this API; "
    "apply for use of this API on data.go.kr",
    "21": "service key temporarily disabled — check the key's status on data.go.kr",
    "30": "service key not registered — check ENERGY_SOURCES__SERVICE_KEY "
    "(the Encoding or the Decoding key from data.go.kr, copied whole)",
    "31": "service key expired — extend the key's period of use on data.go.kr",
    "32": "unregistered IP — register this machine's public IP for the key on data.go.kr",
    "33": "unsigned call — the request carried no valid service key; "
    "check ENERGY_SOURCES__SERVICE_KEY",
}
RETRYABLE_CODES: dict[str, str] = {
    "01": "application error",
    "02": "database error",
    "04": "HTTP error",
    "05": "service timeout",
}
RATE_LIMIT_CODE = "22"
NO_DATA_CODE = "03"


def code_kind(code: str) -> CodeKind:
    """Classify a portal result code (``"30"``, ``"03"``, ...)."""
    if code == NO_DATA_CODE:
        return CodeKind.NO_DATA
    if code == RATE_LIMIT_CODE:
        return CodeKind.RATE_LIMITED
    if code in RETRYABLE_CODES:
        return CodeKind.RETRYABLE
    if code in FATAL_CODES:
        return CodeKind.FATAL
    return CodeKind.UNKNOWN


class SourcePortalError(PortalError):
    """A classified portal error; ``kind`` says what the caller should do."""

    kind: CodeKind = CodeKind.UNKNOWN

    def __init__(self, code: str, message: str, *, source: str = "", detail: str = "") -> None:
        message = redact(message)
        super().__init__(code, message, source=source)
        self.detail = detail
        if detail:
            self.args = (f"{self.args[0]} — {detail}",)


class NoDataError(SourcePortalError):
    """Code 03: the API has no data for this request. Not retried, not a failure."""

    kind = CodeKind.NO_DATA


class RetryablePortalError(SourcePortalError):
    """Codes 01, 02, 04, 05, 22: transient. Raised only once the retries are used up."""

    kind = CodeKind.RETRYABLE


class FatalPortalError(SourcePortalError):
    """Codes 10-12, 20, 21, 30-33: retrying cannot help; ``fix`` says what will."""

    kind = CodeKind.FATAL

    @property
    def fix(self) -> str:
        return FATAL_CODES.get(self.code, "")


class UnexpectedPortalError(SourcePortalError):
    """A code outside the documented list (99 "unknown" included). Not retried."""

    kind = CodeKind.UNKNOWN


def classify(err: PortalError, *, hint: str = "") -> SourcePortalError:
    """The typed error for a portal error detected in a response body.

    ``hint`` is added to fatal key errors (e.g. that the key looks encoded twice).
    """
    kind = code_kind(err.code)
    source = err.source
    if kind is CodeKind.NO_DATA:
        return NoDataError(err.code, err.message, source=source)
    if kind in (CodeKind.RETRYABLE, CodeKind.RATE_LIMITED):
        what = (
            "request limit exceeded" if kind is CodeKind.RATE_LIMITED else RETRYABLE_CODES[err.code]
        )
        return RetryablePortalError(
            err.code, err.message, source=source, detail=f"{what} (transient)"
        )
    if kind is CodeKind.FATAL:
        detail = FATAL_CODES[err.code] + (f"; {hint}" if hint else "")
        return FatalPortalError(err.code, err.message, source=source, detail=detail)
    return UnexpectedPortalError(
        err.code, err.message, source=source, detail="undocumented portal code; not retried"
    )


class SourceError(EnergyError):
    """A source could not get a usable answer (transport, HTTP status, body)."""

    def __init__(self, message: str, *, source: str = "") -> None:
        self.source = source
        super().__init__(redact(message))


class SourceUnavailableError(SourceError):
    """Retryable failures (timeouts, connection errors, 5xx, 429) persisted past the retries."""


class HTTPStatusSourceError(SourceError):
    """An HTTP status that retrying cannot fix (a 4xx other than 429, a redirect)."""

    def __init__(self, message: str, *, status: int, source: str = "") -> None:
        self.status = status
        super().__init__(message, source=source)


class MalformedBodyError(SourceError):
    """A 2xx answer whose body is neither data nor a recognisable portal error."""


class BudgetExhaustedError(SourceError):
    """Today's request budget of ``source`` is spent; the request was not sent.

    Raised by a :class:`sources.budget.RequestLedger` before an HTTP attempt.
    Not retried (retrying would only spend more) and not "no data": the data
    may well exist. ``day`` is the Korean (KST) calendar date the budget
    belongs to; the portal's quotas reset at midnight KST.
    """

    def __init__(self, source: str, *, budget: int, spent: int, day: date) -> None:
        self.budget = budget
        self.spent = spent
        self.day = day
        super().__init__(
            f"{source}: daily request budget spent ({spent} of {budget} requests "
            f"on {day.isoformat()} KST); the request was not sent. To continue, run again "
            f"after midnight KST (Asia/Seoul), or raise [sources.{source}] daily_request_budget "
            f"(ENERGY_SOURCES__{source.upper()}__DAILY_REQUEST_BUDGET) "
            "if the portal's quota allows it",
            source=source,
        )


class IncompleteAnswerError(SourceError):
    """An answer held fewer (or other) records than it declares, still after the retries.

    ``request`` is the request as :func:`sources.http_client.describe` shows it
    (path and non-secret parameters, never the key); ``declared`` is the count
    the answer's own fields promise (``totalCount``/``totalCnt`` and
    ``numOfRows``, or a full page for the wind API) and ``received`` the count
    it held; ``detail`` says which count was checked. Nothing of the unit of
    work (an ASOS station range, a PV query, a wind month) is returned, so no
    day of it is stored as complete and the next run asks for it again. Not
    "no data": the portal has the records, it did not send them all.
    """

    def __init__(
        self,
        source: str,
        *,
        request: str,
        declared: int,
        received: int,
        detail: str = "",
        attempts: int = 1,
        hint: str = "",
    ) -> None:
        self.request = request
        self.declared = declared
        self.received = received
        self.detail = detail
        self.attempts = attempts
        tries = "once" if attempts == 1 else f"in each of {attempts} attempts"
        super().__init__(
            f"{source}: incomplete answer to {request}: declared {declared} records, "
            f"received {received}{f' ({detail})' if detail else ''}, {tries}; "
            "nothing of it was stored. Run again later: the days stay incomplete, "
            "so the next run asks for them again" + (f". {hint}" if hint else ""),
            source=source,
        )
