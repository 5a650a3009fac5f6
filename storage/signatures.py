"""Schema-drift baselines: the last accepted field signature of each source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, select

from storage.engine import to_jsonable, write_transaction
from storage.instants import utc_now
from storage.schema import source_signatures
from storage.upsert import executemany_upsert


def get_signature(engine: Engine, source: str) -> dict[str, Any] | None:
    """The stored signature of ``source`` (a JSON object), or ``None`` if none was stored yet."""
    with engine.connect() as conn:
        value = conn.execute(
            select(source_signatures.c.signature).where(source_signatures.c.source == source)
        ).scalar_one_or_none()
    return value


def put_signature(engine: Engine, source: str, signature: Mapping[str, Any]) -> None:
    """Store (or replace) the signature of ``source``, stamped with the current UTC time."""
    row = (source, to_jsonable(dict(signature)), utc_now())
    with write_transaction(engine) as conn:
        executemany_upsert(
            conn, source_signatures, ("source",), ("source", "signature", "updated_at"), [row]
        )
