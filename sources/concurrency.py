"""Running several requests at once and failing cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def gather_all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Results in input order; on the first error, cancel the rest and raise that error.

    ``asyncio.gather`` leaves the other tasks running after an error and
    ``TaskGroup`` wraps it in an ``ExceptionGroup``; a caller of a source
    wants the one typed error (``FatalPortalError``, ...) as it was raised.
    """
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        # Let the cancelled tasks finish so none is left pending or unretrieved.
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
