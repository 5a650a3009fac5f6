"""Row counts and content digests of the tables (job summaries, idempotency checks)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Engine, func, select

from storage.instants import from_db
from storage.schema import DATA_TABLES, metadata

#: Columns that record when a row was written, not what it holds: a re-run
#: changes them by design, so digests leave them out.
VOLATILE_COLUMNS = frozenset({"loaded_at", "updated_at"})


def counts(engine: Engine) -> dict[str, int]:
    """Row count of each data and bookkeeping table, by table name."""
    with engine.connect() as conn:
        return {
            table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for table in DATA_TABLES
        }


def _canonical(value: Any, instant: bool) -> str:
    if value is None:
        return "\u2205"  # distinct from any stored text, including "None"
    if isinstance(value, float):
        # Exact; "+ 0.0" folds -0.0 into 0.0 because SQLite stores integral
        # REALs as integers and so loses the sign of zero.
        return (value + 0.0).hex()
    if isinstance(value, datetime):
        # SQLite returns stored UTC instants naive, PostgreSQL aware: same text for both.
        return (from_db(value) if instant else value).isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return f"{type(value).__name__}:{value}"


def table_digest(
    engine: Engine, table_name: str, exclude: Collection[str] = VOLATILE_COLUMNS
) -> str:
    """SHA-256 over the table's rows, sorted, without the ``exclude`` columns.

    Independent of row order, engine and collation: the same contents give the
    same digest on SQLite and PostgreSQL.
    """
    table = metadata.tables[table_name]
    columns = [c for c in table.columns if c.name not in exclude]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns)).all()
    instants = [isinstance(c.type, DateTime) and bool(c.type.timezone) for c in columns]
    lines = sorted(
        "\x1f".join(_canonical(v, i) for v, i in zip(row, instants, strict=True)) for row in rows
    )
    digest = hashlib.sha256()
    digest.update("\x1f".join(c.name for c in columns).encode())
    for line in lines:
        digest.update(b"\x1e" + line.encode())
    return digest.hexdigest()
