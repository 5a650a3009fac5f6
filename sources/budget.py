"""Daily request budgets: every request to a portal API is counted before it is sent.

The portal's development keys have daily quotas (PV 1,000 requests a day,
ASOS and wind 10,000), counted per Korean calendar day and including retries.
:class:`sources.http_client.PortalClient` calls :meth:`RequestLedger.spend`
right before each HTTP attempt; a ledger whose budget for the day is spent
raises :class:`sources.errors.BudgetExhaustedError` and the request is not
sent.

Contract of :meth:`RequestLedger.spend`:

* ``source`` is ``"asos"``, ``"wind"`` or ``"pv"``;
* a call records one request that is about to be sent, on the current Korean
  calendar date (:func:`foundations.korean_time.today_kst`);
* when ``budget`` requests have already been recorded for that source and day,
  it raises :class:`BudgetExhaustedError` (``spent`` = what was recorded,
  ``budget``, ``day``) and records nothing.

:class:`CountingLedger` is the in-memory implementation for tests and
benchmarks; the database-backed one (shared by every run on one database)
lives in ``storage/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Protocol, runtime_checkable

from foundations.korean_time import today_kst
from sources.base import SOURCE_NAMES
from sources.errors import BudgetExhaustedError


@runtime_checkable
class RequestLedger(Protocol):
    """Counts requests against a daily budget per source."""

    def spend(self, source: str) -> None:
        """Record one request of ``source`` about to be sent; raise if none is left."""
        ...


class CountingLedger:
    """In-memory :class:`RequestLedger`: counts per (source, KST day), raises past the budget.

    ``budgets`` maps source names to requests per day; a known source that is
    absent from it is counted but not limited. An unknown source name is a
    ``ValueError`` (a typo must not silently disable a budget). ``today`` exists
    for tests that cross midnight.
    """

    def __init__(
        self, budgets: Mapping[str, int], *, today: Callable[[], date] = today_kst
    ) -> None:
        for source, budget in budgets.items():
            _check_source(source)
            if budget < 0:
                raise ValueError(f"budget of {source} must be >= 0, got {budget}")
        self.budgets = dict(budgets)
        self._today = today
        self._spent: dict[tuple[str, date], int] = {}

    def spent(self, source: str, day: date | None = None) -> int:
        """Requests recorded for ``source`` on ``day`` (default: today, KST)."""
        return self._spent.get((source, day or self._today()), 0)

    def spend(self, source: str) -> None:
        _check_source(source)
        day = self._today()
        spent = self._spent.get((source, day), 0)
        budget = self.budgets.get(source)
        if budget is not None and spent >= budget:
            raise BudgetExhaustedError(source, budget=budget, spent=spent, day=day)
        self._spent[(source, day)] = spent + 1


def _check_source(source: str) -> None:
    if source not in SOURCE_NAMES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCE_NAMES)}")
