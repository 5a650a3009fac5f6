"""The run log: one row per flow run, written at start and updated at the end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.engine import Row

from storage.engine import to_jsonable, write_transaction
from storage.instants import from_db, to_utc
from storage.schema import pipeline_runs
from storage.upsert import executemany_upsert

#: Longer error texts are cut: the run log is a summary, the full trace is in the logs.
MAX_ERROR_CHARS = 20_000


@dataclass(frozen=True)
class RunRecord:
    """One flow run. Times are timezone-aware (stored and returned as UTC).

    ``backends`` maps each transform to the backend that actually ran it;
    ``report`` holds the run's counts. JSON object keys come back as ``str``.
    """

    run_id: str
    flow: str
    started_at: datetime
    status: str
    finished_at: datetime | None = None
    rows_fetched: int | None = None
    rows_loaded: int | None = None
    backends: Mapping[str, str] = field(default_factory=dict)
    report: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


_COLUMNS = tuple(c.name for c in pipeline_runs.columns)


def record_run(engine: Engine, record: RunRecord) -> None:
    """Insert the run, or update it if ``run_id`` is already logged (start, then finish)."""
    error = record.error
    if error is not None and len(error) > MAX_ERROR_CHARS:
        error = error[:MAX_ERROR_CHARS] + f"... [{len(error) - MAX_ERROR_CHARS} more characters]"
    row = (
        record.run_id,
        record.flow,
        to_utc(record.started_at, "started_at"),
        None if record.finished_at is None else to_utc(record.finished_at, "finished_at"),
        record.status,
        None if record.rows_fetched is None else int(record.rows_fetched),
        None if record.rows_loaded is None else int(record.rows_loaded),
        to_jsonable(dict(record.backends)),
        to_jsonable(dict(record.report)),
        error,
    )
    with write_transaction(engine) as conn:
        executemany_upsert(conn, pipeline_runs, ("run_id",), _COLUMNS, [row])


def _record(row: Row[Any]) -> RunRecord:
    values = row._mapping
    return RunRecord(
        run_id=values["run_id"],
        flow=values["flow"],
        started_at=from_db(values["started_at"]),  # type: ignore[arg-type]
        status=values["status"],
        finished_at=from_db(values["finished_at"]),
        rows_fetched=values["rows_fetched"],
        rows_loaded=values["rows_loaded"],
        backends=values["backends"],
        report=values["report"],
        error=values["error"],
    )


def get_run(engine: Engine, run_id: str) -> RunRecord | None:
    """The logged run ``run_id``, or ``None``."""
    with engine.connect() as conn:
        row = conn.execute(select(pipeline_runs).where(pipeline_runs.c.run_id == run_id)).first()
    return None if row is None else _record(row)


def recent_runs(engine: Engine, flow: str | None = None, limit: int = 20) -> list[RunRecord]:
    """The latest runs (of ``flow``, if given), newest first."""
    query = select(pipeline_runs).order_by(pipeline_runs.c.started_at.desc(), pipeline_runs.c.run_id)
    if flow is not None:
        query = query.where(pipeline_runs.c.flow == flow)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit)).all()
    return [_record(row) for row in rows]
