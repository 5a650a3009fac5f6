"""Stored observations are never overwritten by absence; revisions by the portal are kept and visible.

The rule every data loader follows (docs/operations.md, "What a rerun changes
and what it does not"):

1. **A stored observation is never replaced by a blank** (NaN, NULL) **or by a
   fill** from a later answer. The stored value (and, for weather, its
   ``observed`` method) stays.
2. **A different observation is applied and recorded.** A later non-blank
   value that differs from the stored observation by more than float noise,
   ``|new - old| > OBSERVATION_TOLERANCE * max(|old|, |new|)`` (1e-12
   relative), replaces it, and the change is one row of
   ``observation_revisions``: table, natural key (a JSON object, timestamps as
   ISO text), column, old and new value, ``changed_at`` (UTC), the loader's
   ``run_id`` when it was given one. A value within the noise leaves the stored
   one untouched and records nothing.
3. **Fills and blanks give way to observations at any time**, and fills to
   newer fills; these are not revisions of an observation and are not recorded.

What is an observation: a weather ``ta``/``hm`` whose stored ``*_method`` is
``observed`` (per column); a non-NULL wind ``generation``; a non-NULL PV
``generation``, ``daily_total``, ``daily_avg``, ``daily_max``, ``daily_min``
(those two tables have no method columns: every non-NULL value came from the
API).

How it is enforced: the decision is made by the database, in the upsert's
``ON CONFLICT DO UPDATE SET col = CASE ... END`` (:func:`keep_or_take`), so it
holds on both load paths (executemany, COPY staging). The revision rows are
computed from the stored values read in the same transaction, before the
upsert, while the loader holds the lock that serialises writers of those rows
(PostgreSQL: a transaction-scoped advisory lock per table, or per PV day;
SQLite: ``BEGIN IMMEDIATE``), so the log is exactly what the upsert changed.

Listing and reverting: :func:`list_revisions` and :func:`revert_revisions`
(``Storage.observation_revisions`` / ``Storage.revert_revisions``), or in SQL::

    SELECT revision_id, table_name, row_key, column_name, old_value, new_value, changed_at, run_id
    FROM observation_revisions ORDER BY revision_id;

A revert writes the old value back, only while the stored value is still the
revision's new value, and is itself recorded (``reverts`` = the reverted id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    DateTime,
    Double,
    Engine,
    Integer,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from storage.engine import write_transaction
from storage.errors import StorageError
from storage.instants import from_db, to_utc, utc_now
from storage.schema import metadata, observation_revisions, pv_generation_hourly

#: Two observations closer than this, relative to the larger magnitude, are the same
#: value: the stored one stays and no revision is recorded (a re-parse or a text
#: round-trip can move the last bit; the portal revising a measurement moves more).
OBSERVATION_TOLERANCE = 1e-12

_OBSERVED = "observed"
#: First key of the two-key advisory locks: per data table, and per PV (plant, unit, day).
TABLE_LOCK_NAMESPACE = 0x4F42  # "OB"
PV_DAY_LOCK_NAMESPACE = 0x5056  # "PV"


# --------------------------------------------------------------------------- the rule in SQL and numpy


def _greater(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    # GREATEST on PostgreSQL is the scalar MAX on SQLite; a CASE is the same on both.
    return case((a >= b, a), else_=b)


def same_observation(stored: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL: ``new`` equals ``stored`` within :data:`OBSERVATION_TOLERANCE` (NULL if either is NULL)."""
    tolerance = literal(OBSERVATION_TOLERANCE, Double[float]())
    return func.abs(new - stored) <= tolerance * _greater(func.abs(stored), func.abs(new))


def keep_or_take(stored: ColumnElement[Any], new: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL: the value an observation column gets: ``stored``, unless ``new`` is not NULL and differs.

    A stored NULL takes any ``new`` (the comparison is NULL, not true).
    """
    return case((or_(new.is_(None), same_observation(stored, new)), stored), else_=new)


def differs(old: float, new: float) -> bool:
    """Scalar twin of :func:`revised` for two present values (the PV loader's per-hour loop)."""
    return abs(new - old) > OBSERVATION_TOLERANCE * max(abs(old), abs(new))


def revised(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Mask of the positions where both values are present and differ beyond the noise (numpy twin)."""
    old = np.asarray(old, dtype=np.float64)
    new = np.asarray(new, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        differs = np.abs(new - old) > OBSERVATION_TOLERANCE * np.maximum(np.abs(old), np.abs(new))
    mask: np.ndarray = differs & ~np.isnan(old) & ~np.isnan(new)
    return mask


# --------------------------------------------------------------------------- locks


def advisory_lock(conn: Connection, namespace: int, name: str) -> None:
    """A transaction-scoped PostgreSQL advisory lock on ``(namespace, hash(name))``; no-op on SQLite.

    SQLite needs none: a write transaction there starts with ``BEGIN IMMEDIATE``
    and so already holds the database's only write lock.
    """
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(name.encode()).digest()
    conn.execute(
        text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
        {"namespace": namespace, "key": int.from_bytes(digest[:4], "big", signed=True)},
    )


def lock_table(conn: Connection, table_name: str) -> None:
    """Serialise the loads of one table until commit (weather, wind), so a revision's "old" is the truth."""
    advisory_lock(conn, TABLE_LOCK_NAMESPACE, table_name)


def lock_pv_day(conn: Connection, gencd: str, hogi: int, day: date) -> None:
    """Serialise writers of one PV (plant, unit, day) until commit."""
    advisory_lock(conn, PV_DAY_LOCK_NAMESPACE, f"{gencd}|{hogi}|{day.isoformat()}")


# --------------------------------------------------------------------------- recording


def _json_key(value: Any, column_type: Any) -> Any:
    if isinstance(column_type, DateTime):
        return pd.Timestamp(value).to_pydatetime().isoformat()
    if isinstance(column_type, Integer):
        return int(value)
    return str(value)


def revision_record(
    table_name: str,
    key: dict[str, Any],
    column: str,
    old: float,
    new: float,
    *,
    changed_at: datetime,
    run_id: str | None,
) -> dict[str, Any]:
    """One ``observation_revisions`` row; ``key`` maps key columns to their stored values."""
    types = metadata.tables[table_name].c
    return {
        "table_name": table_name,
        "row_key": {name: _json_key(value, types[name].type) for name, value in key.items()},
        "column_name": column,
        "old_value": float(old),
        "new_value": float(new),
        "changed_at": to_utc(changed_at, "changed_at"),
        "run_id": run_id,
        "reverts": None,
    }


def insert_revisions(conn: Connection, records: Sequence[dict[str, Any]]) -> int:
    """Insert :func:`revision_record` rows in the caller's transaction; returns how many."""
    if records:
        conn.execute(observation_revisions.insert(), list(records))
    return len(records)


def record_revisions(
    conn: Connection,
    table_name: str,
    column: str,
    keys: pd.DataFrame,
    old: np.ndarray,
    new: np.ndarray,
    *,
    changed_at: datetime,
    run_id: str | None,
) -> int:
    """Insert one ``observation_revisions`` row per row of ``keys`` (the table's key columns); returns how many."""
    records = [
        revision_record(
            table_name,
            dict(zip(keys.columns, values, strict=True)),
            column,
            o,
            n,
            changed_at=changed_at,
            run_id=run_id,
        )
        for values, o, n in zip(keys.itertuples(index=False, name=None), old, new, strict=True)
    ]
    return insert_revisions(conn, records)


def kst_datetimes(values: Iterable[Any]) -> np.ndarray:
    """Stored naive KST timestamps (datetime objects, or text on some SQLite reads) as datetime64[us]."""
    return pd.to_datetime(pd.Series(list(values), dtype=object)).to_numpy().astype("datetime64[us]")


# --------------------------------------------------------------------------- listing and reverting


@dataclass(frozen=True)
class Revision:
    """One recorded change of a stored observation."""

    revision_id: int
    table_name: str
    #: The row's natural key as stored: column -> value, timestamps as ISO text (naive KST).
    key: dict[str, Any]
    column: str
    old_value: float
    new_value: float
    #: UTC, timezone-aware.
    changed_at: datetime
    run_id: str | None
    #: The revision this one reverted, for a revert.
    reverts: int | None


def _revision(row: Any) -> Revision:
    return Revision(
        revision_id=int(row.revision_id),
        table_name=row.table_name,
        key=dict(row.row_key),
        column=row.column_name,
        old_value=float(row.old_value),
        new_value=float(row.new_value),
        changed_at=from_db(row.changed_at),
        run_id=row.run_id,
        reverts=None if row.reverts is None else int(row.reverts),
    )


def list_revisions(
    engine: Engine,
    table: str | None = None,
    *,
    run_id: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[Revision]:
    """Recorded revisions, oldest first; filtered by table name, run id, ``changed_at >= since`` (aware)."""
    r = observation_revisions
    query = select(r).order_by(r.c.revision_id)
    if table is not None:
        query = query.where(r.c.table_name == table)
    if run_id is not None:
        query = query.where(r.c.run_id == run_id)
    if since is not None:
        query = query.where(r.c.changed_at >= to_utc(since, "since"))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [_revision(row) for row in conn.execute(query).all()]


def _key_condition(table: Any, key: dict[str, Any]) -> ColumnElement[bool]:
    conditions = []
    for column in table.primary_key.columns:
        if column.name not in key:
            raise StorageError(f"revision key {key} lacks {table.name}.{column.name}")
        value = key[column.name]
        if isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        conditions.append(column == value)
    return and_(*conditions)


def _lock_row(conn: Connection, table_name: str, key: dict[str, Any]) -> None:
    if table_name == pv_generation_hourly.name:
        stamp = datetime.fromisoformat(key["datetime"])
        lock_pv_day(conn, str(key["gencd"]), int(key["hogi"]), stamp.date())
    else:
        lock_table(conn, table_name)


def revert_revisions(
    engine: Engine, revision_ids: Sequence[int], *, run_id: str | None = None
) -> list[Revision]:
    """Write back the old value of each revision, newest first, in ONE transaction; returns the reverts recorded.

    Each revert requires the stored value to still be the revision's new value
    (within the noise) and, for weather, its method to be ``observed``;
    otherwise a later load or revert changed it and :class:`StorageError` names
    the revision, and nothing is reverted. Each revert is recorded as a revision
    of its own (old = the value replaced, new = the value restored,
    ``reverts`` = the id). A later load of the portal's changed value applies
    it again: the portal is the source, a revert is a local decision.
    """
    wanted = sorted({int(i) for i in revision_ids}, reverse=True)
    if not wanted:
        return []
    r = observation_revisions
    now = utc_now()
    recorded: list[Revision] = []
    with write_transaction(engine) as conn:
        found = {
            row.revision_id: _revision(row)
            for row in conn.execute(select(r).where(r.c.revision_id.in_(wanted)))
        }
        unknown = [i for i in wanted if i not in found]
        if unknown:
            raise StorageError(f"no observation revision with id {unknown}")
        for revision_id in wanted:
            revision = found[revision_id]
            table = metadata.tables[revision.table_name]
            _lock_row(conn, revision.table_name, revision.key)
            where = _key_condition(table, revision.key)
            method = table.c.get(f"{revision.column}_method")
            selected = [table.c[revision.column]] + ([method] if method is not None else [])
            row = conn.execute(select(*selected).where(where)).first()
            where_text = f"{revision.table_name}.{revision.column} at {revision.key}"
            if row is None:
                raise StorageError(
                    f"cannot revert revision {revision_id}: {where_text} is no longer stored"
                )
            current = np.nan if row[0] is None else float(row[0])
            if method is not None and row[1] != _OBSERVED:
                raise StorageError(
                    f"cannot revert revision {revision_id}: {where_text} is no longer an observation ({row[1]})"
                )
            if np.isnan(current) or revised(np.array([current]), np.array([revision.new_value]))[0]:
                raise StorageError(
                    f"cannot revert revision {revision_id}: {where_text} is {current}, not the revision's "
                    f"new value {revision.new_value} (revert the later revision first)"
                )
            values: dict[str, Any] = {revision.column: revision.old_value}
            if "loaded_at" in table.c:
                values["loaded_at"] = now
            conn.execute(update(table).where(where).values(values))
            inserted = conn.execute(
                r.insert()
                .values(
                    table_name=revision.table_name,
                    row_key=revision.key,
                    column_name=revision.column,
                    old_value=current,
                    new_value=revision.old_value,
                    changed_at=now,
                    run_id=run_id,
                    reverts=revision_id,
                )
                .returning(r)
            ).one()
            recorded.append(_revision(inserted))
    return recorded
