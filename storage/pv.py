"""PV: merging (gencd, hogi, day)s into the table, and finding the days a backfill must fetch.

Each (gencd, hogi, KST day) of a load is written in ONE transaction, so a day
is never half old, half new, even when the connection drops mid-load, and a
re-run is idempotent. Concurrent writers of the same day are serialised
(PostgreSQL: a transaction-scoped advisory lock per day; SQLite:
``BEGIN IMMEDIATE``), so a day is always the result of whole loads applied one
after the other, never a mix of two half loads.

Within a day the new answer is merged with the stored rows per hour under the
storage rule (:mod:`storage.observations`); the table has no method columns,
so every non-NULL value is an observation:

* ``generation``: a stored non-NULL value is never replaced by a NULL (a blank
  hour in the answer) nor removed because the answer lacks that hour; a
  different non-NULL value (beyond 1e-12 relative) replaces it and is recorded
  in ``observation_revisions``; a stored NULL or a new hour takes the answer's
  value.
* ``daily_total``, ``daily_avg``, ``daily_max``, ``daily_min`` describe the
  day and are repeated on each hour's row. When the answer's rows for the day
  agree on a non-NULL value, that is the day's new value: every stored row of
  the day takes it (one revision per row whose stored value differed), so the
  day's rows never disagree, including hours the answer did not carry. A NULL
  never replaces a stored value. (If the answer's rows disagree, each row is
  merged on its own, like ``generation``.)
* ``plant_name`` is the answer's.

How: under the day's lock, read the day's stored rows (the revisions are
computed from them), then ``INSERT ... ON CONFLICT DO UPDATE SET col = CASE
...`` for the answer's hours (executemany, or ``INSERT ... SELECT`` from the
COPY staging table) and, when the answer has a daily value, one ``UPDATE`` of
the day's rows that differ from it. Nothing is deleted: an upsert with a
conditional SET, rather than delete + insert of merged rows, keeps the COPY
path set-based and puts the rule in the statement that writes.
"""

from __future__ import annotations

import typing
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
    Double,
    Engine,
    and_,
    bindparam,
    cast,
    distinct,
    extract,
    func,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.dml import Insert

from storage.engine import write_connection
from storage.errors import PartialLoadError
from storage.frames import ColumnKind, PreparedRows, require_columns
from storage.instants import utc_now
from storage.observations import (
    differs,
    insert_revisions,
    keep_or_take,
    lock_pv_day,
    revision_record,
    same_observation,
)
from storage.schema import pv_generation_hourly
from storage.upsert import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COPY_THRESHOLD,
    LoadMethod,
    choose_method,
    copy_to_stage,
    stage_upsert_statement,
    upsert_statement,
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
#: Values of the whole day, repeated on each hour's row.
DAILY_COLUMNS: tuple[str, ...] = ("daily_total", "daily_avg", "daily_max", "daily_min")
#: The columns whose non-NULL values are observations (module docstring).
OBSERVATION_COLUMNS: tuple[str, ...] = ("generation", *DAILY_COLUMNS)

_WHAT = "PV load (T4 pv_to_long frame)"

PvDay = tuple[str, int, date]


@dataclass(frozen=True)
class PvLoadResult:
    """What :func:`replace_pv_days` wrote."""

    rows: int
    #: The (gencd, hogi, day)s written (merged), in order.
    days: tuple[PvDay, ...]
    duplicates: int
    method: LoadMethod
    #: Stored observations changed to a different value (rows of ``observation_revisions``).
    revisions: int = 0
    #: Stored observations kept because the answer had a blank for them.
    kept: int = 0


def _day_groups(frame: pd.DataFrame) -> tuple[PreparedRows, dict[PvDay, np.ndarray], int]:
    """Checked rows (duplicates dropped, last wins) and the row positions of each day, days sorted."""
    duplicated = frame.duplicated(subset=list(PV_KEYS), keep="last").to_numpy()
    rows = PreparedRows.from_frame(frame.loc[~duplicated], PV_COLUMNS, _WHAT)
    by_name = dict(zip(rows.names, rows.arrays, strict=True))
    keys = pd.DataFrame(
        {
            "gencd": by_name["gencd"],
            "hogi": by_name["hogi"],
            "day": by_name["datetime"].astype("datetime64[D]"),
        }
    )
    groups: dict[PvDay, np.ndarray] = {}
    for key, positions in keys.groupby(["gencd", "hogi", "day"], sort=True).indices.items():
        gencd, hogi, day = typing.cast(
            tuple[Any, Any, Any], key
        )  # grouped by three keys: a 3-tuple
        groups[(str(gencd), int(hogi), pd.Timestamp(day).date())] = np.asarray(positions)
    return rows, dict(sorted(groups.items())), int(duplicated.sum())


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day)
    return start, start + timedelta(days=1)


def _pv_updates(stmt: Any) -> dict[str, Any]:
    """The upsert's SET clause: a NULL never replaces a stored value; a different value does."""
    t = pv_generation_hourly
    return {
        "plant_name": stmt.excluded.plant_name,
        **{name: keep_or_take(t.c[name], stmt.excluded[name]) for name in OBSERVATION_COLUMNS},
    }


_NAMES: tuple[str, ...] = tuple(name for name, _ in PV_COLUMNS)


def _staged_day(staged: Any) -> Any:
    """The rows of one day in ``staged`` (the stage or the table), bound at execution.

    Parameters ``day_gencd``, ``day_hogi``, ``day_start``, ``day_end``.
    """
    return and_(
        staged.c.gencd == bindparam("day_gencd"),
        staged.c.hogi == bindparam("day_hogi"),
        staged.c.datetime >= bindparam("day_start", type_=pv_generation_hourly.c.datetime.type),
        staged.c.datetime < bindparam("day_end", type_=pv_generation_hourly.c.datetime.type),
    )


_POSITION = {name: i for i, name in enumerate(_NAMES)}


def _day_values(rows: Sequence[tuple[Any, ...]]) -> dict[str, float]:
    """Per daily column, the answer's value for the day when its rows agree on one non-NULL value."""
    found = {}
    for name in DAILY_COLUMNS:
        present = {row[_POSITION[name]] for row in rows} - {None}
        if len(present) == 1:
            found[name] = float(present.pop())
    return found


#: The stored observations of one day (built once; the loop runs it for every day).
_STORED_DAY = select(
    pv_generation_hourly.c.datetime, *(pv_generation_hourly.c[name] for name in OBSERVATION_COLUMNS)
).where(_staged_day(pv_generation_hourly))


@dataclass
class _DayMerge:
    """What merging one day's answer changes, computed from the stored day before writing it."""

    revisions: list[dict[str, Any]]
    #: Stored values the answer left blank (and so kept).
    kept: int
    #: Some row would not carry the day's daily values after the upsert alone.
    needs_daily_update: bool


def _plan_day(
    conn: Connection,
    key: PvDay,
    rows: Sequence[tuple[Any, ...]],
    day_values: dict[str, float],
    run_id: str | None,
    now: datetime,
) -> _DayMerge:
    """Read the stored day and compare it with the answer, hour by hour (at most 24 rows each)."""
    table = pv_generation_hourly
    gencd, hogi, day = key
    start, end = _day_bounds(day)
    stored = conn.execute(
        _STORED_DAY, {"day_gencd": gencd, "day_hogi": hogi, "day_start": start, "day_end": end}
    ).all()
    answered = {row[_POSITION["datetime"]]: row for row in rows}
    stamps = [pd.Timestamp(row[0]).to_pydatetime() for row in stored]
    stored_stamps = set(stamps)
    revisions: list[dict[str, Any]] = []
    kept = 0
    # A new hour inserted with a blank daily value must still take the day's value.
    needs_update = any(
        row[_POSITION[name]] is None
        for stamp, row in answered.items()
        if stamp not in stored_stamps
        for name in day_values
    )
    for stamp, stored_row in zip(stamps, stored, strict=True):
        answer = answered.get(stamp)
        for offset, name in enumerate(OBSERVATION_COLUMNS, start=1):
            old = stored_row[offset]
            given = None if answer is None else answer[_POSITION[name]]
            new = day_values.get(name, given)
            if (
                name in day_values
                and given is None
                and (old is None or differs(float(old), day_values[name]))
            ):
                needs_update = True  # an hour the upsert does not set: the daily UPDATE must
            if old is None:
                continue
            if new is None:
                kept += int(answer is not None)
                continue
            if differs(float(old), float(new)):
                revisions.append(
                    revision_record(
                        table.name,
                        {"gencd": gencd, "hogi": hogi, "datetime": stamp},
                        name,
                        float(old),
                        float(new),
                        changed_at=now,
                        run_id=run_id,
                    )
                )
    return _DayMerge(revisions, kept, needs_update)


def _merge_day(
    conn: Connection,
    key: PvDay,
    rows: Sequence[tuple[Any, ...]],
    stage: str | None,
    upsert: Insert,
    batch_size: int,
    run_id: str | None,
    now: datetime,
) -> tuple[int, int]:
    """Merge one day's answer into the table (module docstring); returns (revisions, values kept)."""
    table = pv_generation_hourly
    gencd, hogi, day = key
    start, end = _day_bounds(day)
    lock_pv_day(conn, gencd, hogi, day)
    day_values = _day_values(rows)
    plan = _plan_day(conn, key, rows, day_values, run_id, now)
    if stage is None:
        for first in range(0, len(rows), batch_size):
            conn.execute(
                upsert,
                [dict(zip(_NAMES, row, strict=True)) for row in rows[first : first + batch_size]],
            )
    else:
        conn.execute(
            upsert, {"day_gencd": gencd, "day_hogi": hogi, "day_start": start, "day_end": end}
        )
    if plan.needs_daily_update:
        # The day's values onto every stored hour of the day, also those the answer lacked
        # or left blank; only rows that differ are touched (an UPDATE rewrites even an
        # unchanged row).
        values = {name: literal(value, Double[float]()) for name, value in day_values.items()}
        stale = [
            or_(table.c[name].is_(None), not_(same_observation(table.c[name], value)))
            for name, value in values.items()
        ]
        conn.execute(
            update(table)
            .where(
                and_(
                    table.c.gencd == gencd,
                    table.c.hogi == hogi,
                    table.c.datetime >= start,
                    table.c.datetime < end,
                    or_(*stale),
                )
            )
            .values({name: keep_or_take(table.c[name], value) for name, value in values.items()})
        )
    return insert_revisions(conn, plan.revisions), plan.kept


def replace_pv_days(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
    run_id: str | None = None,
) -> PvLoadResult:
    """For each (gencd, hogi, KST day) in ``frame``: merge the frame's hours into the stored day.

    The merge follows the module docstring (a blank or an absent hour never
    replaces a stored value; a changed value is applied and recorded with
    ``run_id``). One transaction per day, days in sorted order. If a day fails
    (constraint, lost connection), the days before it stay written, that day
    and the rest stay as they were, and :class:`PartialLoadError` says which;
    a re-run completes the load. On PostgreSQL at or above ``copy_threshold``
    rows the frame is first COPYed into a session TEMP table and each day is
    written from it with ``INSERT ... SELECT``. (The name is historical: days
    used to be replaced whole.)
    """
    require_columns(frame, [name for name, _ in PV_COLUMNS], _WHAT)
    if frame.empty:
        return PvLoadResult(0, (), 0, "executemany")
    rows, groups, duplicates = _day_groups(frame)
    committed: list[PvDay] = []
    revisions = kept = 0
    now = utc_now()
    # Both paths need the answer's values in Python: each day is compared with its stored rows.
    values = rows.python_rows()
    with write_connection(engine) as conn:
        method = choose_method(conn, len(rows), copy_threshold)
        stage = _stage_rows(conn, rows) if method == "copy" else None
        # Built once: constructing the conditional statement costs more than running it for 24 rows.
        if stage is None:
            upsert = upsert_statement(conn, pv_generation_hourly, PV_KEYS, _NAMES, _pv_updates)
        else:
            upsert = stage_upsert_statement(
                pv_generation_hourly, stage, PV_KEYS, _NAMES, where=_staged_day, updates=_pv_updates
            )
        try:
            for key, positions in groups.items():
                try:
                    with conn.begin():
                        day_revisions, day_kept = _merge_day(
                            conn,
                            key,
                            [values[i] for i in positions],
                            stage,
                            upsert,
                            batch_size,
                            run_id,
                            now,
                        )
                except SQLAlchemyError as exc:
                    cause = getattr(exc, "orig", None) or exc
                    reason = f"{type(cause).__name__}: {cause}".strip()
                    raise PartialLoadError(
                        f"PV load stopped at {key[0]}/{key[1]}/{key[2]}: {len(committed)} of {len(groups)} "
                        f"days written, that day and the rest left as they were ({reason})",
                        committed=list(committed),
                        failed=key,
                    ) from exc
                committed.append(key)
                revisions += day_revisions
                kept += day_kept
        finally:
            if stage is not None and not conn.invalidated:
                _drop_stage(conn, stage)
    log.debug(
        "pv days merged", days=len(committed), rows=len(rows), method=method, revisions=revisions
    )
    return PvLoadResult(len(rows), tuple(committed), duplicates, method, revisions, kept)


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
        select(
            t.c.gencd,
            t.c.hogi,
            day.label("day"),
            func.count(distinct(extract("hour", t.c.datetime))),
        )
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
