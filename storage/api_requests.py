"""The daily request ledger: how many requests each API has been sent on a Korean calendar day.

The portal's quota is per service key and day (development keys: 1,000 PV
requests, 10,000 ASOS and wind requests), so the count lives in the database
that every run of the pipeline shares, not in a run's memory: two backfills
started one after the other, or side by side, draw on one budget.

:func:`try_spend` takes one request from the day's budget atomically: the
``UPDATE ... WHERE requests < budget`` either increments the count or
changes nothing, on SQLite (``BEGIN IMMEDIATE``) and PostgreSQL (row lock)
alike, so two writers can never both take the last request.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, and_, select, update

from storage.engine import write_transaction
from storage.instants import utc_now
from storage.schema import api_requests
from storage.upsert import dialect_insert


def try_spend(engine: Engine, source: str, day: date, budget: int) -> tuple[bool, int]:
    """Count one request of ``source`` on ``day`` if fewer than ``budget`` were sent.

    Returns ``(spent, count)``: whether the request may be sent, and the day's
    count after this call (the budget's use when refused).
    """
    where = and_(api_requests.c.source == source, api_requests.c.day == day)
    with write_transaction(engine) as conn:
        conn.execute(
            dialect_insert(conn, api_requests)
            .values(source=source, day=day, requests=0, updated_at=utc_now())
            .on_conflict_do_nothing(index_elements=["source", "day"])
        )
        taken = conn.execute(
            update(api_requests)
            .where(where, api_requests.c.requests < budget)
            .values(requests=api_requests.c.requests + 1, updated_at=utc_now())
        ).rowcount
        count = conn.execute(select(api_requests.c.requests).where(where)).scalar_one()
    return taken == 1, int(count)


def requests_sent(engine: Engine, source: str, day: date) -> int:
    """Requests of ``source`` counted on ``day`` (0 when none)."""
    with engine.connect() as conn:
        value = conn.execute(
            select(api_requests.c.requests).where(
                api_requests.c.source == source, api_requests.c.day == day
            )
        ).scalar_one_or_none()
    return int(value or 0)
