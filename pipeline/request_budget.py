"""The daily request budget of every run, kept in the pipeline's database.

:class:`DatabaseLedger` is the :class:`sources.budget.RequestLedger` the flows
hand to the HTTP client: each request is counted in ``api_requests`` (see
:mod:`storage.api_requests`) before it is sent, against
``[sources.<api>] daily_request_budget``. Because the count is in the
database, separate runs (a daily schedule and a backfill, or a backfill
started again) share one budget, as the portal's quota does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from foundations.korean_time import today_kst
from registry import Settings
from sources.errors import BudgetExhaustedError
from storage.facade import Storage


class DatabaseLedger:
    """Counts requests per API and Korean calendar day in ``storage``; refuses past the budget."""

    def __init__(
        self, storage: Storage, settings: Settings, *, today: Callable[[], date] = today_kst
    ) -> None:
        self.storage = storage
        self.settings = settings
        self._today = today

    def budget(self, source: str) -> int:
        return self.settings.sources.api(source).daily_request_budget

    def spend(self, source: str) -> None:
        day = self._today()
        budget = self.budget(source)
        ok, spent = self.storage.try_spend_request(source, day, budget)
        if not ok:
            raise BudgetExhaustedError(source, budget=budget, spent=spent, day=day)

    def remaining(self, source: str) -> int:
        """Requests of ``source`` still allowed today."""
        return max(0, self.budget(source) - self.storage.requests_sent(source, self._today()))
