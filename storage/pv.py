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

from storage.engine import write_connection
from storage.errors import PartialLoadError
from storage.frames import ColumnKind, PreparedRows, require_columns
from storage.instants import utc_now
from storage.observations import (
    keep_or_take,
    kst_datetimes,
    lock_pv_day,
    record_revisions,
    revised,
    same_observation,
)
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


def _pv_updates(stmt: Any) -> dict[str, Any]:
    """The upsert's SET clause: a NULL never replaces a stored value; a different value does."""
    t = pv_generation_hourly
    return {
        "plant_name": stmt.excluded.plant_name,
        **{name: keep_or_take(t.c[name], stmt.excluded[name]) for name in OBSERVATION_COLUMNS},
    }


def _day_values(incoming: pd.DataFrame) -> dict[str, float]:
    """Per daily column, the answer's value for the day when its rows agree on one non-NULL value."""
    found = {}
    for name in DAILY_COLUMNS:
        present = pd.unique(incoming[name].dropna().to_numpy())
        if len(present) == 1:
            found[name] = float(present[0])
    return found


def _record_day_revisions(
    conn: Connection,
    key: PvDay,
    incoming: pd.DataFrame,
    day_values: dict[str, float],
    run_id: str | None,
    now: datetime,
) -> tuple[int, int]:
    """Record what merging ``incoming`` changes in the stored day; returns (revisions, values kept)."""
    table = pv_generation_hourly
    gencd, hogi, day = key
    start, end = _day_bounds(day)
    stored_rows = conn.execute(
        select(table.c.datetime, *(table.c[name] for name in OBSERVATION_COLUMNS)).where(
            and_(table.c.gencd == gencd, table.c.hogi == hogi, table.c.datetime >= start, table.c.datetime < end)
        )
    ).all()
    if not stored_rows:
        return 0, 0
    stored = pd.DataFrame(stored_rows, columns=["datetime", *OBSERVATION_COLUMNS])
    stored = stored.astype(dict.fromkeys(OBSERVATION_COLUMNS, "float64"))
    stored["datetime"] = kst_datetimes(stored["datetime"])
    # Every stored hour, with the answer's values where the answer has that hour (NaN elsewhere).
    merged = stored.merge(
        incoming[["datetime", *OBSERVATION_COLUMNS]].assign(answered=True),
        on="datetime",
        how="left",
        suffixes=("_stored", ""),
    )
    answered = merged["answered"].eq(True).to_numpy()
    keys = pd.DataFrame({"gencd": gencd, "hogi": hogi, "datetime": merged["datetime"]})
    revisions = kept = 0
    for name in OBSERVATION_COLUMNS:
        old = merged[f"{name}_stored"].to_numpy(dtype=np.float64)
        if name in day_values:
            new = np.full(len(merged), day_values[name])
        else:
            new = merged[name].to_numpy(dtype=np.float64)
        kept += int((answered & ~np.isnan(old) & np.isnan(new)).sum())
        changed = revised(old, new)
        revisions += record_revisions(
            conn, table.name, name, keys.loc[changed], old[changed], new[changed], changed_at=now, run_id=run_id
        )
    return revisions, kept


def _merge_day(
    conn: Connection,
    key: PvDay,
    incoming: pd.DataFrame,
    rows: Sequence[tuple[Any, ...]],
    stage: str | None,
    batch_size: int,
    run_id: str | None,
    now: datetime,
) -> tuple[int, int]:
    """Merge one day's answer into the table (module docstring); returns (revisions, values kept)."""
    table = pv_generation_hourly
    gencd, hogi, day = key
    start, end = _day_bounds(day)
    lock_pv_day(conn, gencd, hogi, day)
    day_values = _day_values(incoming)
    counts = _record_day_revisions(conn, key, incoming, day_values, run_id, now)
    names = [name for name, _ in PV_COLUMNS]
    if stage is None:
        executemany_upsert(conn, table, PV_KEYS, names, rows, batch_size=batch_size, updates=_pv_updates)
    else:
        insert_from_stage(
            conn,
            table,
            stage,
            PV_KEYS,
            names,
            where=lambda s: and_(s.c.gencd == gencd, s.c.hogi == hogi, s.c.datetime >= start, s.c.datetime < end),
            updates=_pv_updates,
        )
    if day_values:
        # The day's values onto every stored hour of the day, also those the answer lacked;
        # only rows that differ are touched (an UPDATE rewrites even an unchanged row).
        values = {name: literal(value, Double()) for name, value in day_values.items()}
        differs = [
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
                    or_(*differs),
                )
            )
            .values({name: keep_or_take(table.c[name], value) for name, value in values.items()})
        )
    return counts


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
    incoming = pd.DataFrame(dict(zip(rows.names, rows.arrays, strict=True)))
    committed: list[PvDay] = []
    revisions = kept = 0
    now = utc_now()
    with write_connection(engine) as conn:
        method = choose_method(conn, len(rows), copy_threshold)
        stage = _stage_rows(conn, rows) if method == "copy" else None
        values = rows.python_rows() if stage is None else []
        try:
            for key, positions in groups.items():
                try:
                    with conn.begin():
                        day_rows = [values[i] for i in positions] if stage is None else []
                        day_revisions, day_kept = _merge_day(
                            conn, key, incoming.iloc[positions], day_rows, stage, batch_size, run_id, now
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
    log.debug("pv days merged", days=len(committed), rows=len(rows), method=method, revisions=revisions)
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
