"""Loading T3 ``wind_to_long`` output into ``wind_generation_hourly`` (upsert on the natural key).

The table has no method column: every non-NULL ``generation`` came from the
API and is an observation. Under the storage rule (:mod:`storage.observations`):

* a stored non-NULL ``generation`` is never replaced by a later NULL (a blank
  in the answer): the stored value stays;
* a later non-NULL value that differs beyond 1e-12 relative is written and
  recorded in ``observation_revisions`` (old, new, when, ``run_id``); within
  the noise the stored value stays;
* a stored NULL takes any later value;
* ``plant_name`` is rewritten by every load (it is a label, not a measurement).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, Engine, and_, cast, func, select

from storage.engine import write_transaction
from storage.frames import ColumnKind, PreparedRows, require_columns
from storage.instants import utc_now
from storage.observations import keep_or_take, kst_datetimes, lock_table, record_revisions, revised
from storage.schema import wind_generation_hourly
from storage.upsert import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COPY_THRESHOLD,
    LoadMethod,
    LoadResult,
    upsert_in_transaction,
)

#: Frame column (same name in the table) and its kind, in table order.
WIND_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("plant_code", "str"),
    ("unit", "int"),
    ("timestamp", "kst"),
    ("plant_name", "str"),
    ("generation", "float"),
)
WIND_KEYS: tuple[str, ...] = ("plant_code", "unit", "timestamp")

_WHAT = "wind load (T3 wind_to_long frame)"


def _wind_updates(stmt: Any) -> dict[str, Any]:
    """The upsert's SET clause: a blank never replaces a stored value; a different value does."""
    t = wind_generation_hourly
    return {
        "plant_name": stmt.excluded.plant_name,
        "generation": keep_or_take(t.c.generation, stmt.excluded.generation),
    }


def _record_wind_revisions(
    conn: Connection, rows: PreparedRows, run_id: str | None
) -> tuple[int, int]:
    """Record the stored generations the load changes; returns (revisions, stored values kept against a NULL)."""
    t = wind_generation_hourly
    incoming = pd.DataFrame(dict(zip(rows.names, rows.arrays, strict=True)))
    stored_rows = conn.execute(
        select(t.c.plant_code, t.c.unit, t.c.timestamp, t.c.generation).where(
            and_(
                t.c.plant_code.in_(sorted(set(incoming["plant_code"]))),
                t.c.timestamp >= pd.Timestamp(incoming["timestamp"].min()).to_pydatetime(),
                t.c.timestamp <= pd.Timestamp(incoming["timestamp"].max()).to_pydatetime(),
                t.c.generation.is_not(None),
            )
        )
    ).all()
    if not stored_rows:
        return 0, 0
    stored = pd.DataFrame(stored_rows, columns=["plant_code", "unit", "timestamp", "generation"])
    stored = stored.astype({"plant_code": "object", "unit": "int64", "generation": "float64"})
    stored["timestamp"] = kst_datetimes(stored["timestamp"])
    incoming = incoming.astype({"plant_code": "object"})
    both = incoming.merge(stored, on=list(WIND_KEYS), suffixes=("", "_stored"))
    old = both["generation_stored"].to_numpy(dtype=np.float64)
    new = both["generation"].to_numpy(dtype=np.float64)
    changed = revised(old, new)
    revisions = record_revisions(
        conn,
        t.name,
        "generation",
        both.loc[changed, list(WIND_KEYS)],
        old[changed],
        new[changed],
        changed_at=utc_now(),
        run_id=run_id,
    )
    return revisions, int(np.isnan(new).sum())


def load_wind(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    run_id: str | None = None,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadResult:
    """Upsert ``frame`` in one transaction: all rows are written or none.

    New keys are inserted; ``generation`` NaN is stored as NULL. For a key
    already stored, the module docstring's rule decides (a NULL never replaces
    a stored value; a different value replaces it and is recorded with
    ``run_id``), so a re-run is idempotent and a blank answer changes nothing.
    Within the frame the last row of a duplicated key wins, as in T3.
    """
    require_columns(frame, [name for name, _ in WIND_COLUMNS], _WHAT)
    duplicated = frame.duplicated(subset=list(WIND_KEYS), keep="last").to_numpy()
    rows = PreparedRows.from_frame(frame.loc[~duplicated], WIND_COLUMNS, _WHAT)
    method: LoadMethod = "executemany"
    revisions = kept = 0
    if len(rows):
        with write_transaction(engine) as conn:
            lock_table(conn, wind_generation_hourly.name)
            revisions, kept = _record_wind_revisions(conn, rows, run_id)
            method = upsert_in_transaction(
                conn,
                wind_generation_hourly,
                WIND_KEYS,
                rows,
                copy_threshold=copy_threshold,
                batch_size=batch_size,
                updates=_wind_updates,
            )
    return LoadResult(
        wind_generation_hourly.name, len(rows), int(duplicated.sum()), method, revisions, kept
    )


#: Rows a unit has on a complete day (one per hour).
HOURS_PER_DAY = 24


def wind_incomplete_days(engine: Engine, start: date, end: date) -> list[date]:
    """The days of ``start..end`` (inclusive) the wind table does not hold completely, sorted.

    The wind API has no unit list to check against (plant codes are read from
    the answers), so a day is complete when it has rows and every unit stored
    anywhere in the range has all 24 hours that day. An hour stored as NULL
    counts as present: the API sent it, blank. A day without rows is
    incomplete, so a month the API had not yet published is asked again.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    t = wind_generation_hourly
    day = func.date(t.c.timestamp) if engine.dialect.name == "sqlite" else cast(t.c.timestamp, Date)
    in_range = and_(
        t.c.timestamp >= datetime(start.year, start.month, start.day),
        t.c.timestamp < datetime(end.year, end.month, end.day) + timedelta(days=1),
    )
    query = (
        select(t.c.plant_code, t.c.unit, day.label("day"), func.count())
        .where(in_range)
        .group_by(t.c.plant_code, t.c.unit, day)
    )
    with engine.connect() as conn:
        counted = conn.execute(query).all()
    units = {(plant, int(unit)) for plant, unit, _, _ in counted}
    full: dict[date, int] = {}
    for _plant, _unit, stored_day, rows in counted:
        if rows >= HOURS_PER_DAY:
            key = stored_day if isinstance(stored_day, date) else date.fromisoformat(stored_day)
            full[key] = full.get(key, 0) + 1
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if not units or full.get(d, 0) < len(units)]
