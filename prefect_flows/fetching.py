"""Running a flow's requests side by side, keeping what arrived when the day's budget runs out.

A backfill that spends the last request of the day's budget must not throw
away the answers it already paid for: :func:`fetch_each` runs one coroutine
per unit of work (a station's range, a PV query), and when some of them stop
on :class:`sources.errors.BudgetExhaustedError` the caller still gets the
others' results, loads them, and then stops with that error. Any other error
cancels the rest and propagates as raised: a fatal portal error (a bad key)
would fail every other unit the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sources.errors import BudgetExhaustedError

K = TypeVar("K")
T = TypeVar("T")


@dataclass
class Fetched(Generic[K, T]):
    """Results per key of the units that finished, and the budget stop if there was one."""

    results: dict[K, T]
    budget_stop: BudgetExhaustedError | None = None

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
                error = task.exception()
                if error is None:
                    fetched.results[tasks[task]] = task.result()
                elif isinstance(error, BudgetExhaustedError):
                    fetched.budget_stop = fetched.budget_stop or error
                else:
                    raise error
    finally:
        for task in pending:
            task.cancel()
        # Let cancelled tasks finish so none is left pending or unretrieved.
        await asyncio.gather(*pending, return_exceptions=True)
    # Results in the order of ``keys``, whatever order they finished in.
    fetched.results = {key: fetched.results[key] for key in keys if key in fetched.results}
    return fetched
