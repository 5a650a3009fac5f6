"""Loading T3 ``wind_to_long`` output into ``wind_generation_hourly`` (upsert on the natural key)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Date, Engine, and_, cast, func, select

from storage.engine import write_transaction
from storage.frames import ColumnKind, PreparedRows, require_columns
from storage.schema import wind_generation_hourly
from storage.upsert import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COPY_THRESHOLD,
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


def load_wind(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadResult:
    """Upsert ``frame`` in one transaction: all rows are written or none.

    Rows with a key already stored replace the stored values (a re-run is
    idempotent); within the frame the last row of a duplicated key wins, as in
    T3. ``generation`` NaN is stored as NULL.
    """
    require_columns(frame, [name for name, _ in WIND_COLUMNS], _WHAT)
    duplicated = frame.duplicated(subset=list(WIND_KEYS), keep="last").to_numpy()
    rows = PreparedRows.from_frame(frame.loc[~duplicated], WIND_COLUMNS, _WHAT)
    method = "executemany"
    if len(rows):
        with write_transaction(engine) as conn:
            method = upsert_in_transaction(
                conn,
                wind_generation_hourly,
                WIND_KEYS,
                rows,
                copy_threshold=copy_threshold,
                batch_size=batch_size,
            )
    return LoadResult(wind_generation_hourly.name, len(rows), int(duplicated.sum()), method)


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
