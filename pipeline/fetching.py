"""Fetching a flow's units of work side by side, where a failure stays with its unit.

A unit of work is one (source, station or unit, period): a station's range,
a PV query, a wind month. :func:`fetch_each` runs one coroutine per unit and
sorts what happens to each into one of four outcomes:

* **result**: the unit's pages;
* **local failure**: an error that concerns this unit only (the portal kept
  failing for it, its answer was malformed or incomplete, an unexpected
  code). The other units still load; the run then ends ``partial`` and names
  what failed and how to retry it (:class:`PartialRunError`);
* **budget stop**: the day's request budget ran out
  (:class:`sources.errors.BudgetExhaustedError`). What arrived is loaded, then
  the run stops cleanly and a rerun resumes;
* **fatal**: an error that every other unit would hit the same way (a key
  that is not registered, a permission or quota refusal, an HTTP status that
  means the base URL or path is wrong). The remaining units are cancelled at
  once and the error propagates with its fix: asking on would only spend
  requests.

Anything that is not one of the pipeline's own errors (a bug) propagates
unchanged, as a fatal error does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from foundations.errors import EnergyError, PortalError
from sources.errors import (
    BudgetExhaustedError,
    FatalPortalError,
    HTTPStatusSourceError,
)

K = TypeVar("K")
T = TypeVar("T")

#: Portal codes that refuse every further request of the day: the request
#: limit (22) is the portal's quota, not one unit's trouble.
QUOTA_CODES = frozenset({"22"})


def is_fatal(error: BaseException) -> bool:
    """Whether ``error`` is a portal refusal that every other unit of the run would meet too."""
    if isinstance(error, FatalPortalError | HTTPStatusSourceError):
        return True
    return isinstance(error, PortalError) and error.code in QUOTA_CODES


@dataclass
class Fetched(Generic[K, T]):
    """The outcome of every unit: results, local failures, and the budget stop if there was one."""

    results: dict[K, T]
    failures: dict[K, EnergyError] = field(default_factory=dict)
    budget_stop: BudgetExhaustedError | None = None
    #: Units not fetched because the budget ran out.
    over_budget: list[K] = field(default_factory=list)

    def raise_budget_stop(self) -> None:
        """Raise the budget stop, if any (after the caller has loaded ``results``)."""
        if self.budget_stop is not None:
            raise self.budget_stop


async def fetch_each(
    keys: Sequence[K],
    fetch: Callable[[K], Awaitable[T]],
    *,
    on_done: Callable[[], None] | None = None,
) -> Fetched[K, T]:
    """``fetch(key)`` for every key, concurrently (the HTTP client bounds how many at once)."""

    async def one(key: K) -> T:
        try:
            return await fetch(key)
        finally:
            if on_done is not None:
                on_done()

    tasks = {asyncio.ensure_future(one(key)): key for key in keys}
    fetched: Fetched[K, T] = Fetched(results={})
    pending = set(tasks)
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                key = tasks[task]
                error = task.exception()
                if error is None:
                    fetched.results[key] = task.result()
                elif isinstance(error, BudgetExhaustedError):
                    fetched.budget_stop = fetched.budget_stop or error
                    fetched.over_budget.append(key)
                elif is_fatal(error) or not isinstance(error, EnergyError):
                    raise error
                else:
                    fetched.failures[key] = error
    finally:
        for task in pending:
            task.cancel()
        # Let cancelled tasks finish so none is left pending or unretrieved.
        await asyncio.gather(*pending, return_exceptions=True)
    # Outcomes in the order of ``keys``, whatever order they finished in.
    fetched.results = {key: fetched.results[key] for key in keys if key in fetched.results}
    fetched.failures = {key: fetched.failures[key] for key in keys if key in fetched.failures}
    fetched.over_budget = [key for key in keys if key in fetched.over_budget]
    return fetched


class PartialRunError(EnergyError):
    """Some units of a run failed; every other unit was loaded.

    ``failures`` maps a unit's label ("station 108 2024-01-29..2024-01-31") to
    its error text; ``retry`` is the command that fetches them again (it asks
    only for what is still incomplete).
    """

    def __init__(self, source: str, failures: Mapping[str, str], retry: str) -> None:
        self.source = source
        self.failures = dict(failures)
        self.retry = retry
        listed = "; ".join(f"{unit}: {error}" for unit, error in self.failures.items())
        super().__init__(
            f"{len(self.failures)} {source} unit(s) failed, everything else was loaded: {listed}. "
            f"Retry them with `{retry}` (it fetches only what is still incomplete)"
        )
