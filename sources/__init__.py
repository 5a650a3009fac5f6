"""Data sources: the three Korean public APIs, live over HTTP or replayed from samples.

Interface (what the flows use)::

    from sources import open_sources, plan_pv_queries, NoDataError

    async with open_sources(settings) as src:  # settings.sources.mode: replay | live
        # list[bytes]: ASOS JSON pages, d0 00:00 .. d1 23:00, one query
        pages = await src.asos.fetch_range(108, d0, d1)
        # list[bytes]: Namdong wind JSON pages, one query per month
        pages = await src.wind.fetch(d0, d1)
        # list[bytes]: Nambu PV XML pages of d0 .. d1 + 1 day, every unit
        # (drop the extra day and unwanted units after parsing)
        pages = await src.pv.fetch_range(d0, d1)
        pages = await src.pv.fetch_range(d0, d1, ("997S", 1))  # one unit
        # The fewest requests for a set of missing (gencd, hogi, day):
        # (pipeline/pv.py runs them side by side, each query failing alone)
        plan = plan_pv_queries(missing, units_in_answer=31, page_size=100)

Every fetch returns raw bodies (bytes), so parsing stays in the registry
transforms (T3 ``wind_to_long``, T4 ``pv_to_long``, T5 ``asos_to_frame``).
Every HTTP attempt is first recorded with the client's request ledger
(:mod:`sources.budget`); once a source's daily budget is spent,
:class:`BudgetExhaustedError` is raised and nothing more is sent.
"No data" (portal code 03, or an empty answer) raises :class:`NoDataError`.
Other errors (all :class:`foundations.errors.EnergyError`):

* :class:`FatalPortalError` (codes 10-12, 20, 21, 30-33): message names the
  code and the fix; never retried;
* :class:`RetryablePortalError` (01, 02, 04, 05, 22) and
  :class:`SourceUnavailableError` (timeouts, connection errors, 5xx, 429):
  raised once the client's retries are used up;
* :class:`HTTPStatusSourceError` (other 4xx), :class:`MalformedBodyError`
  (a 2xx body that is neither data nor a portal error), :class:`UnexpectedPortalError`;
* :class:`BudgetExhaustedError`: the day's request budget is spent; not
  retried, not "no data"; the message says how to continue;
* :class:`IncompleteAnswerError`: an answer held fewer records than it
  declares (``totalCount``/``totalCnt`` and ``numOfRows``; for wind, a short
  page followed by more records), still after the client asked the short
  page again (retry reason "incomplete page"). Nothing of that unit of work
  is returned, so its days stay incomplete and the next run asks again. A
  short answer is never returned as complete.

Portal errors subclass :class:`foundations.errors.PortalError`, which the
transforms raise for error bodies too. No message, log line or exception text
carries the service key (:mod:`sources.redaction`).

Modules: ``http_client`` (concurrency bound, rate limit, retries, ledger),
``budget`` (request ledgers), ``service_key``, ``retry``, ``ratelimit``,
``errors``, ``redaction``, ``kma_asos``, ``namdong_wind``, ``nambu_pv``
(+ ``pv_xml``), ``pv_plan`` (which PV queries to send), ``replay`` (+ ``samples/``),
``schema_drift``, ``factory`` (``open_sources``).
"""

from sources.base import ASOS, PV, SOURCE_NAMES, WIND, AsosSource, PvSource, WindSource
from sources.budget import CountingLedger, RequestLedger
from sources.errors import (
    BudgetExhaustedError,
    FatalPortalError,
    HTTPStatusSourceError,
    IncompleteAnswerError,
    MalformedBodyError,
    NoDataError,
    RetryablePortalError,
    SourceError,
    SourcePortalError,
    SourceUnavailableError,
    UnexpectedPortalError,
)
from sources.factory import Sources, open_sources
from sources.pv_plan import PvQuery, plan_pv_queries, total_requests

__all__ = [
    "ASOS",
    "PV",
    "SOURCE_NAMES",
    "WIND",
    "AsosSource",
    "BudgetExhaustedError",
    "CountingLedger",
    "FatalPortalError",
    "HTTPStatusSourceError",
    "IncompleteAnswerError",
    "MalformedBodyError",
    "NoDataError",
    "PvQuery",
    "PvSource",
    "RequestLedger",
    "RetryablePortalError",
    "SourceError",
    "SourcePortalError",
    "SourceUnavailableError",
    "Sources",
    "UnexpectedPortalError",
    "WindSource",
    "open_sources",
    "plan_pv_queries",
    "total_requests",
]
