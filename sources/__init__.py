"""Data sources: the three Korean public APIs, live over HTTP or replayed from samples.

Interface (what the flows use)::

    from sources import open_sources, NoDataError

    async with open_sources(settings) as src:          # settings.sources.mode: replay | live
        pages = await src.asos.fetch(108, day)          # list[bytes]: ASOS JSON pages, 00-23 h of day
        pages = await src.asos.fetch_range(108, d0, d1) # list[bytes]: d0 00:00 .. d1 23:00
        pages = await src.wind.fetch(d0, d1)            # list[bytes]: Namdong wind JSON pages
        body = await src.pv.fetch_day("B997", 1, day)   # bytes: Nambu PV XML, items of `day` only
        src.sample_window()                             # (first, last) replayed day, None when live

Every fetch returns raw bodies (bytes), so parsing stays in the registry
transforms (T3 ``wind_to_long``, T4 ``pv_to_long``, T5 ``asos_to_frame``).
"No data" (portal code 03, or nothing recorded in replay) raises
:class:`NoDataError`. Other errors (all :class:`registry.errors.EnergyError`):

* :class:`FatalPortalError` (codes 10-12, 20, 21, 30-33): message names the
  code and the fix; never retried;
* :class:`RetryablePortalError` (01, 02, 04, 05, 22) and
  :class:`SourceUnavailableError` (timeouts, connection errors, 5xx, 429):
  raised once the client's retries are used up;
* :class:`HTTPStatusSourceError` (other 4xx), :class:`MalformedBodyError`
  (a 2xx body that is neither data nor a portal error), :class:`UnexpectedPortalError`.

Portal errors subclass :class:`registry.errors.PortalError`, which the
transforms raise for error bodies too. No message, log line or exception text
carries the service key (:mod:`sources.redaction`).

Modules: ``http_client`` (concurrency bound, rate limit, retries),
``service_key``, ``retry``, ``ratelimit``, ``errors``, ``redaction``,
``kma_asos``, ``namdong_wind``, ``nambu_pv`` (+ ``pv_xml``), ``replay``
(+ ``samples/``), ``backfill`` (concurrent PV days), ``schema_drift``,
``factory`` (``open_sources``).
"""

from sources.backfill import PvDay, fetch_pv_days
from sources.base import ASOS, PV, SOURCE_NAMES, WIND, AsosSource, PvSource, WindSource
from sources.errors import (
    FatalPortalError,
    HTTPStatusSourceError,
    MalformedBodyError,
    NoDataError,
    RetryablePortalError,
    SourceError,
    SourcePortalError,
    SourceUnavailableError,
    UnexpectedPortalError,
)
from sources.factory import Sources, open_sources

__all__ = [
    "ASOS",
    "PV",
    "SOURCE_NAMES",
    "WIND",
    "AsosSource",
    "FatalPortalError",
    "HTTPStatusSourceError",
    "MalformedBodyError",
    "NoDataError",
    "PvDay",
    "PvSource",
    "RetryablePortalError",
    "SourceError",
    "SourcePortalError",
    "SourceUnavailableError",
    "Sources",
    "UnexpectedPortalError",
    "WindSource",
    "fetch_pv_days",
    "open_sources",
]
