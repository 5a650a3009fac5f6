"""PV: replacing whole (gencd, hogi, day)s, and finding the days a backfill must fetch.

A PV day is replaced in one transaction (delete the day, insert the new rows),
so a re-run is idempotent and a day is never half old, half new, even when the
connection drops mid-load. Concurrent replacements of the same day are
serialised (PostgreSQL: a transaction-scoped advisory lock per day; SQLite:
``BEGIN IMMEDIATE``), so the day ends up as one writer's rows, never a mix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import structlog
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    and_,
    cast,
    delete,
    distinct,
    extract,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import write_connection
from storage.errors import PartialLoadError
from storage.frames import ColumnKind, PreparedRows, require_columns
from storage.schema import pv_generation_hourly
from storage.upsert import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COPY_THRESHOLD,
    LoadMethod,
    choose_method,
    copy_to_stage,
    executemany_upsert,
    insert_from_stage,
)

log = structlog.get_logger(__name__)

PV_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("gencd", "str"),
    ("hogi", "int"),
    ("datetime", "kst"),
    ("plant_name", "str"),
    ("generation", "float"),
    ("daily_total", "float"),
    ("daily_avg", "float"),
    ("daily_max", "float"),
    ("daily_min", "float"),
)
PV_KEYS: tuple[str, ...] = ("gencd", "hogi", "datetime")
HOURS_PER_DAY = 24

_WHAT = "PV load (T4 pv_to_long frame)"
#: First key of the two-key advisory lock; the second is the day's hash.
_ADVISORY_NAMESPACE = 0x5056  # "PV"

PvDay = tuple[str, int, date]


@dataclass(frozen=True)
class PvLoadResult:
    """What :func:`replace_pv_days` wrote."""

    rows: int
    #: The (gencd, hogi, day)s replaced, in order.
    days: tuple[PvDay, ...]
    duplicates: int
    method: LoadMethod


def _day_groups(frame: pd.DataFrame) -> tuple[PreparedRows, dict[PvDay, np.ndarray], int]:
    """Checked rows (duplicates dropped, last wins) and the row positions of each day, days sorted."""
    duplicated = frame.duplicated(subset=list(PV_KEYS), keep="last").to_numpy()
    rows = PreparedRows.from_frame(frame.loc[~duplicated], PV_COLUMNS, _WHAT)
    by_name = dict(zip(rows.names, rows.arrays, strict=True))
    keys = pd.DataFrame(
        {"gencd": by_name["gencd"], "hogi": by_name["hogi"], "day": by_name["datetime"].astype("datetime64[D]")}
    )
    groups = {
        (str(gencd), int(hogi), pd.Timestamp(day).date()): positions
        for (gencd, hogi, day), positions in keys.groupby(["gencd", "hogi", "day"], sort=True).indices.items()
    }
    return rows, dict(sorted(groups.items())), int(duplicated.sum())


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day)
    return start, start + timedelta(days=1)


def _lock_day(conn: Connection, key: PvDay) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already holds the only write lock
    digest = hashlib.sha256(f"{key[0]}|{key[1]}|{key[2].isoformat()}".encode()).digest()
    conn.execute(
        text("SELECT pg_advisory_xact_lock(:namespace, :day)"),
        {"namespace": _ADVISORY_NAMESPACE, "day": int.from_bytes(digest[:4], "big", signed=True)},
    )


def _replace_day(
    conn: Connection,
    key: PvDay,
    rows: Sequence[tuple[Any, ...]],
    stage: str | None,
    batch_size: int,
) -> None:
    table = pv_generation_hourly
    gencd, hogi, day = key
    start, end = _day_bounds(day)
    _lock_day(conn, key)
    conn.execute(
        delete(table).where(
            and_(table.c.gencd == gencd, table.c.hogi == hogi, table.c.datetime >= start, table.c.datetime < end)
        )
    )
    names = [name for name, _ in PV_COLUMNS]
    if stage is None:
        executemany_upsert(conn, table, PV_KEYS, names, rows, batch_size=batch_size)
        return
    insert_from_stage(
        conn,
        table,
        stage,
        PV_KEYS,
        names,
        where=lambda s: and_(s.c.gencd == gencd, s.c.hogi == hogi, s.c.datetime >= start, s.c.datetime < end),
    )


def replace_pv_days(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> PvLoadResult:
    """For each (gencd, hogi, KST day) in ``frame``: delete that day's rows, insert the frame's.

    One transaction per day, days in sorted order. If a day fails (constraint,
    lost connection), the days before it stay replaced, that day and the rest
    stay as they were, and :class:`PartialLoadError` says which; a re-run
    completes the load. On PostgreSQL at or above ``copy_threshold`` rows the
    frame is first COPYed into a session TEMP table and each day is filled
    from it with ``INSERT ... SELECT``.
    """
    require_columns(frame, [name for name, _ in PV_COLUMNS], _WHAT)
    if frame.empty:
        return PvLoadResult(0, (), 0, "executemany")
    rows, groups, duplicates = _day_groups(frame)
    committed: list[PvDay] = []
    with write_connection(engine) as conn:
        method = choose_method(conn, len(rows), copy_threshold)
        stage = _stage_rows(conn, rows) if method == "copy" else None
        values = rows.python_rows() if stage is None else []
        try:
            for key, positions in groups.items():
                try:
                    with conn.begin():
                        day_rows = [values[i] for i in positions] if stage is None else []
                        _replace_day(conn, key, day_rows, stage, batch_size)
                except SQLAlchemyError as exc:
                    cause = getattr(exc, "orig", None) or exc
                    reason = f"{type(cause).__name__}: {cause}".strip()
                    raise PartialLoadError(
                        f"PV load stopped at {key[0]}/{key[1]}/{key[2]}: {len(committed)} of {len(groups)} "
                        f"days replaced, that day and the rest left as they were ({reason})",
                        committed=list(committed),
                        failed=key,
                    ) from exc
                committed.append(key)
        finally:
            if stage is not None and not conn.invalidated:
                _drop_stage(conn, stage)
    log.debug("pv days replaced", days=len(committed), rows=len(rows), method=method)
    return PvLoadResult(len(rows), tuple(committed), duplicates, method)


def _stage_rows(conn: Connection, rows: PreparedRows) -> str:
    """COPY all rows into a TEMP table kept across the per-day transactions, indexed by key."""
    with conn.begin():
        stage = copy_to_stage(conn, pv_generation_hourly, rows, keep_after_commit=True)
        # Each day's INSERT ... SELECT is a range scan on this index, not a scan of the whole stage.
        conn.exec_driver_sql(f'CREATE INDEX ON pg_temp."{stage}" (gencd, hogi, datetime)')
        conn.exec_driver_sql(f'ANALYZE pg_temp."{stage}"')
    return stage


def _drop_stage(conn: Connection, stage: str) -> None:
    try:
        with conn.begin():
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS pg_temp."{stage}"')
    except SQLAlchemyError:
        # Only the connection's own TEMP table is at stake; it dies with the
        # session, so a failure here must not mask the load's own outcome.
        log.warning("could not drop the PV staging table", exc_info=True)


def pv_incomplete_days(
    engine: Engine,
    units: Iterable[tuple[str, int]],
    start: date,
    end: date,
    *,
    require_value: bool = False,
) -> list[PvDay]:
    """The (gencd, hogi, day)s of ``units`` x ``start..end`` (both inclusive) with < 24 hours stored.

    An hour counts if a row exists for it; with ``require_value`` only if its
    ``generation`` is not NULL. Days with no row at all are included. Sorted.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    wanted = sorted({(str(g), int(h)) for g, h in units})
    if not wanted:
        return []
    t = pv_generation_hourly
    day = func.date(t.c.datetime) if engine.dialect.name == "sqlite" else cast(t.c.datetime, Date)
    conditions = [
        t.c.gencd.in_(sorted({g for g, _ in wanted})),
        t.c.datetime >= datetime(start.year, start.month, start.day),
        t.c.datetime < datetime(end.year, end.month, end.day) + timedelta(days=1),
    ]
    if require_value:
        conditions.append(t.c.generation.is_not(None))
    query = (
        select(t.c.gencd, t.c.hogi, day.label("day"), func.count(distinct(extract("hour", t.c.datetime))))
        .where(and_(*conditions))
        .group_by(t.c.gencd, t.c.hogi, day)
    )
    with engine.connect() as conn:
        counted = conn.execute(query).all()
    complete = {
        (gencd, int(hogi), d if isinstance(d, date) else date.fromisoformat(d))
        for gencd, hogi, d, hours in counted
        if hours >= HOURS_PER_DAY
    }
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [(g, h, d) for g, h in wanted for d in days if (g, h, d) not in complete]
