"""Running a PV plan: many range queries at once.

:func:`sources.pv_plan.plan_pv_queries` decides which queries to send;
:func:`fetch_pv_queries` sends them all together, and
:class:`sources.http_client.PortalClient` bounds how many requests are in
flight, how fast they start and how many the day's budget allows. The result
does not depend on completion order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sources.base import PvSource
from sources.concurrency import gather_all
from sources.errors import NoDataError
from sources.pv_plan import PvQuery


async def fetch_pv_queries(
    pv: PvSource,
    queries: Sequence[PvQuery],
    on_done: Callable[[], None] | None = None,
) -> list[list[bytes]]:
    """Per query (in input order) its pages from :meth:`PvSource.fetch_range`; ``[]`` for no data.

    "No data" (:class:`NoDataError`) is a result; any other error stops the
    whole plan and is raised as is (a fatal portal error or a spent budget
    would fail every other query the same way). The pages are raw: they hold
    the day after each query's ``end`` and, for all-units queries, every unit;
    the caller filters after parsing. ``on_done`` is called after each query
    (a progress bar's tick).
    """

    async def one(query: PvQuery) -> list[bytes]:
        try:
            pages = await pv.fetch_range(query.start, query.end, query.unit)
        except NoDataError:
            pages = []
        if on_done is not None:
            on_done()
        return pages

    return await gather_all(one(q) for q in queries)
