"""Writing rows on natural keys: executemany for small loads, COPY for large ones on PostgreSQL.

Both paths give the same table contents (tests compare digests):

* ``executemany``: one ``INSERT ... ON CONFLICT (key) DO UPDATE`` executed for
  batches of rows (psycopg 3 pipelines the batch; SQLite runs it in-process);
* ``copy`` (PostgreSQL only): ``COPY`` into a ``TEMP`` staging table, then one
  ``INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE``: one set-based
  statement instead of one execution per row (measured speed-up in
  docs/pipeline_benchmarks.md, "PostgreSQL load").

Rows must have unique keys (the loaders drop in-frame duplicates first, last
one wins): ``ON CONFLICT DO UPDATE`` cannot touch the same row twice in one
statement.

By default a conflicting row takes every incoming non-key value. A loader
passes ``updates`` (a function of the ``INSERT`` statement returning the
``SET`` clause) to decide per column in SQL instead: the data loaders use it so
that a stored observation is never replaced by a blank or a fill
(:mod:`storage.observations`). Both paths use the same ``updates``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from psycopg import sql
from sqlalchemy import Connection, Table, column, select
from sqlalchemy import table as lightweight_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from storage.frames import PreparedRows

LoadMethod = Literal["executemany", "copy"]
#: Builds the ``ON CONFLICT DO UPDATE SET`` clause from the ``INSERT`` statement
#: (whose ``excluded`` names the incoming row, and the table's columns the stored one).
Updates = Callable[[Insert], Mapping[str, Any]]

DEFAULT_BATCH_SIZE = 5_000
#: Loads of at least this many rows go through COPY on PostgreSQL. Below it the
#: staging table's fixed cost (create, copy, insert-select) is not repaid.
DEFAULT_COPY_THRESHOLD = 5_000


@dataclass(frozen=True)
class LoadResult:
    """What one load wrote."""

    table: str
    #: Rows sent to the database (after in-frame duplicates were dropped).
    rows: int
    #: In-frame rows dropped because a later row had the same natural key.
    duplicates: int
    method: LoadMethod
    #: Stored observations changed to a different observed value (each one is a
    #: row of ``observation_revisions``).
    revisions: int = 0
    #: Stored observations kept because the load had a blank (or, for weather, a fill) for them.
    kept: int = 0


def choose_method(conn: Connection, rows: int, copy_threshold: int) -> LoadMethod:
    """``copy`` on PostgreSQL for ``rows >= copy_threshold``, else ``executemany``."""
    if conn.dialect.name == "postgresql" and rows >= copy_threshold:
        return "copy"
    return "executemany"


def _set_clause(
    stmt: Insert, keys: Sequence[str], columns: Sequence[str], updates: Updates | None
) -> dict[str, Any]:
    if updates is None:
        return {name: stmt.excluded[name] for name in columns if name not in keys}  # type: ignore[attr-defined]
    return dict(updates(stmt))


def dialect_insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT INTO table`` in the connection's dialect, which has ``ON CONFLICT`` clauses.

    The two databases spell ``ON CONFLICT`` alike, but SQLAlchemy exposes it
    only on each dialect's own ``insert``.
    """
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert_statement(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    columns: Sequence[str],
    updates: Updates | None = None,
) -> Insert:
    """``INSERT INTO table ... ON CONFLICT (keys) DO UPDATE SET`` every non-key column, or ``updates``."""
    stmt = dialect_insert(conn, table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_=_set_clause(stmt, keys, columns, updates)
    )


def executemany_upsert(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    updates: Updates | None = None,
) -> None:
    """Upsert ``rows`` (tuples in ``columns`` order) in batches, inside the caller's transaction."""
    stmt = upsert_statement(conn, table, keys, columns, updates)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in batch])


def copy_to_stage(
    conn: Connection,
    table: Table,
    rows: PreparedRows,
    *,
    keep_after_commit: bool = False,
) -> str:
    """COPY ``rows`` into a new TEMP table shaped like ``table``; returns its name (PostgreSQL only).

    The staging table is dropped at commit unless ``keep_after_commit`` (the PV
    loader reuses it across its per-day transactions and drops it itself).
    """
    stage = f"_stage_{table.name}"
    # Qualified with pg_temp everywhere: an unqualified DROP could hit a real table of that name.
    qualified = sql.Identifier("pg_temp", stage)
    on_commit = "PRESERVE ROWS" if keep_after_commit else "DROP"
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(qualified))
        cursor.execute(
            sql.SQL(
                "CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT " + on_commit
            ).format(sql.Identifier(stage), sql.Identifier(table.name))
        )
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            qualified, sql.SQL(", ").join(sql.Identifier(c) for c in rows.names)
        )
        with cursor.copy(copy_sql) as copy:
            for chunk in rows.copy_chunks():
                copy.write(chunk)
    return stage


def insert_from_stage(
    conn: Connection,
    table: Table,
    stage: str,
    keys: Sequence[str],
    columns: Sequence[str],
    *,
    where: Any = None,
    updates: Updates | None = None,
) -> None:
    """``INSERT INTO table SELECT ... FROM stage [WHERE ...] ON CONFLICT DO UPDATE``."""
    conn.execute(stage_upsert_statement(table, stage, keys, columns, where=where, updates=updates))


def stage_upsert_statement(
    table: Table,
    stage: str,
    keys: Sequence[str],
    columns: Sequence[str],
    *,
    where: Any = None,
    updates: Updates | None = None,
) -> Insert:
    """The statement :func:`insert_from_stage` runs; build it once to run it with bound parameters."""
    staged = lightweight_table(stage, *(column(c) for c in columns), schema="pg_temp")
    query = select(*(staged.c[c] for c in columns))
    if where is not None:
        query = query.where(where(staged))
    stmt = postgresql.insert(table).from_select(list(columns), query)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_=_set_clause(stmt, keys, columns, updates)
    )


def copy_upsert(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: PreparedRows,
    updates: Updates | None = None,
) -> None:
    """Upsert through COPY into a staging table and one INSERT ... SELECT, in the caller's transaction."""
    stage = copy_to_stage(conn, table, rows)
    insert_from_stage(conn, table, stage, keys, rows.names, updates=updates)


def upsert_in_transaction(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: PreparedRows,
    *,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
    updates: Updates | None = None,
) -> LoadMethod:
    """Upsert ``rows`` by the method :func:`choose_method` picks; returns the method used."""
    method = choose_method(conn, len(rows), copy_threshold)
    if method == "copy":
        copy_upsert(conn, table, keys, rows, updates)
    else:
        executemany_upsert(
            conn,
            table,
            keys,
            rows.names,
            rows.python_rows(),
            batch_size=batch_size,
            updates=updates,
        )
    return method
