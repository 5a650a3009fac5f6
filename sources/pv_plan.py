"""Which PV range queries to send for a set of missing (plant, unit, day): the fewest requests.

The PV API allows 1,000 requests a day on a development key, so a backfill
is planned before anything is sent. :func:`plan_pv_queries` takes the
(gencd, hogi, day) that must be fetched and returns :class:`PvQuery` objects
for :meth:`sources.nambu_pv.LiveNambuPvSource.fetch_range`. Every query asks
``start``..``end`` + 1 day (the API's "next day" quirk, see
:mod:`sources.nambu_pv`), so a query of ``n`` days returns ``n + 1`` days of
records. With ``u`` = ``units_in_answer`` records per day in an all-units
answer and ``p`` = ``page_size``:

* an all-units query (``unit=None``) costs ``ceil(u * (n + 1) / p)`` requests;
* a per-unit query costs ``ceil((n + 1) / p)``.

Rules, in order:

1. Windows. No query covers more than ``max_days`` days including the extra
   one, i.e. at most ``max_days - 1`` wanted-range days (365 by default).
2. Splitting at gaps. The wanted days (of all units together, or of one unit)
   fall into runs of consecutive days; a run longer than a window is cut into
   windows from its first day. Each query then covers consecutive pieces
   from the first day of one to the last day of another, gap days in between
   included, within the window limit. Among those covers the one with the
   fewest requests is chosen (dynamic programming over the pieces, exact for
   this family of covers); on a tie the cover with more, smaller queries wins
   (it downloads no more records). So a long stretch of not-wanted days
   splits a span exactly when two queries cost fewer requests than one.
3. All units or per unit. The all-units plan covers the union of all wanted
   days; the per-unit plan covers each unit's days separately. The plan with
   fewer requests in total is returned; on a tie, the per-unit plan (smaller
   answers).

Order is deterministic: all-units queries by start day; per-unit queries by
(gencd, hogi, start). ``requests`` is an estimate (pages if every unit has a
record every day), used for budgets and ``--plan`` output; retries add to it.

Targets (page size 100, 31 units): a whole year missing for every unit is one
query of 114 requests; 7 days of every unit is 3; one missing unit-day is 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class PvQuery:
    """One range query: ``start``..``end`` (asked up to ``end`` + 1), of ``unit`` or all units."""

    start: date
    end: date
    #: (gencd, hogi), or ``None`` for every plant and unit.
    unit: tuple[str, int] | None
    #: Estimated requests (pages) the query costs.
    requests: int

    @property
    def days(self) -> int:
        """Days ``start``..``end`` (inclusive), without the extra day."""
        return (self.end - self.start) // _DAY + 1


def total_requests(queries: Iterable[PvQuery]) -> int:
    """The estimated requests of a plan."""
    return sum(q.requests for q in queries)


def plan_pv_queries(
    wanted: Iterable[tuple[str, int, date]],
    *,
    units_in_answer: int,
    page_size: int,
    max_days: int = 366,
) -> list[PvQuery]:
    """The cheapest queries that fetch every wanted (gencd, hogi, day); rules in the module doc."""
    if units_in_answer < 1:
        raise ValueError(f"units_in_answer must be at least 1, got {units_in_answer}")
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    if max_days < 2:
        raise ValueError(f"max_days must be at least 2 (a day and the extra day), got {max_days}")
    window = max_days - 1
    by_unit: dict[tuple[str, int], set[date]] = {}
    for gencd, hogi, day in wanted:
        by_unit.setdefault((gencd, hogi), set()).add(day)
    if not by_unit:
        return []

    def all_cost(days: int) -> int:
        return math.ceil(units_in_answer * (days + 1) / page_size)

    def unit_cost(days: int) -> int:
        return math.ceil((days + 1) / page_size)

    union = sorted(set().union(*by_unit.values()))
    all_units = [PvQuery(s, e, None, r) for s, e, r in _cheapest_cover(union, window, all_cost)]
    per_unit = [
        PvQuery(s, e, unit, r)
        for unit in sorted(by_unit)
        for s, e, r in _cheapest_cover(sorted(by_unit[unit]), window, unit_cost)
    ]
    if total_requests(per_unit) <= total_requests(all_units):
        return per_unit
    return all_units


def _pieces(days: Sequence[int], window: int) -> list[tuple[int, int]]:
    """Runs of consecutive ``days`` (sorted, distinct ordinals), each cut into pieces of at most
    ``window`` days from its start."""
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] + 1 == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    pieces: list[tuple[int, int]] = []
    for start, end in runs:
        while end - start + 1 > window:
            pieces.append((start, start + window - 1))
            start += window
        pieces.append((start, end))
    return pieces


def _cheapest_cover(
    days: Sequence[date], window: int, cost: Callable[[int], int]
) -> list[tuple[date, date, int]]:
    """(start, end, requests) of the cheapest cover of ``days`` by queries of consecutive pieces."""
    # Day ordinals (ints): this loop is the planner's only cost, date arithmetic would triple it.
    pieces = _pieces([d.toordinal() for d in days], window)
    n = len(pieces)
    # best[j]: fewest requests covering pieces[:j];
    # take[j]: the piece where the last query of that cover starts.
    best: list[float] = [0] + [math.inf] * n
    take = [0] * (n + 1)
    for j in range(1, n + 1):
        end = pieces[j - 1][1]
        # From the shortest query backwards; a strict "<" keeps the shorter one on a tie.
        for i in range(j - 1, -1, -1):
            span = end - pieces[i][0] + 1
            if span > window:
                break  # spans only grow as i goes back
            candidate = best[i] + cost(span)
            if candidate < best[j]:
                best[j] = candidate
                take[j] = i
    cover: list[tuple[date, date, int]] = []
    j = n
    while j > 0:
        i = take[j]
        start, end = pieces[i][0], pieces[j - 1][1]
        cover.append((date.fromordinal(start), date.fromordinal(end), cost(end - start + 1)))
        j = i
    cover.reverse()
    return cover
