"""The run log: one row per flow run, written at start and updated at the end.

A run killed outright (SIGKILL, OOM killer, power loss) never writes its end,
so its row would say ``running`` forever. Each run therefore records the
process running it (:class:`ProcessIdentity`, inside the ``report`` JSON so
the table keeps schema version 1), and :func:`mark_interrupted_runs` turns
``running`` rows whose process is gone into ``interrupted``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import Row

from storage.engine import to_jsonable, write_transaction
from storage.instants import from_db, to_utc, utc_now
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
        started_at=from_db(values["started_at"]),
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
    query = select(pipeline_runs).order_by(
        pipeline_runs.c.started_at.desc(), pipeline_runs.c.run_id
    )
    if flow is not None:
        query = query.where(pipeline_runs.c.flow == flow)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit)).all()
    return [_record(row) for row in rows]


# -- runs whose process is gone ----------------------------------------------------------

#: Status of a run whose process ended without recording an outcome.
INTERRUPTED = "interrupted"
#: The error text of such a run.
INTERRUPTED_ERROR = "the process running it ended without recording an outcome (killed or crashed)"
#: Key of the process identity in a run's ``report``.
PROCESS_KEY = "process"
#: A ``running`` row of another host (whose processes cannot be checked), or
#: one without a process identity, is taken as interrupted after this long.
DEFAULT_STALE_AFTER = timedelta(hours=24)


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """``(state, start time in clock ticks after boot)`` of ``pid`` from /proc, if readable."""
    text = _read(f"/proc/{pid}/stat")
    if not text or ")" not in text:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = text[text.rindex(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


@dataclass(frozen=True)
class ProcessIdentity:
    """Which process runs a flow: enough to tell later, on the same host, whether it still does.

    ``boot_id`` (Linux) tells a reboot apart, after which every pid is new;
    ``start_ticks`` (Linux) tells a reused pid apart from the original process.
    Both are ``None`` where /proc does not exist, and the check is then pid only.
    """

    host: str
    pid: int
    boot_id: str | None = None
    start_ticks: int | None = None

    @classmethod
    def current(cls) -> ProcessIdentity:
        pid = os.getpid()
        stat = _proc_stat(pid)
        return cls(
            host=socket.gethostname(),
            pid=pid,
            boot_id=_boot_id(),
            start_ticks=None if stat is None else stat[1],
        )

    @classmethod
    def from_report(cls, report: Mapping[str, Any] | None) -> ProcessIdentity | None:
        info = (report or {}).get(PROCESS_KEY)
        if not isinstance(info, Mapping):
            return None
        try:
            return cls(
                host=str(info["host"]),
                pid=int(info["pid"]),
                boot_id=info.get("boot_id"),
                start_ticks=None if info.get("start_ticks") is None else int(info["start_ticks"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def is_gone(self) -> bool:
        """Whether this process (of *this* host) has ended. A zombie counts as ended."""
        if self.boot_id is not None and self.boot_id != _boot_id():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, owned by another user
        stat = _proc_stat(self.pid)
        if stat is None:
            return False
        state, start_ticks = stat
        if state in ("Z", "X"):
            return True
        return self.start_ticks is not None and start_ticks != self.start_ticks


def _boot_id() -> str | None:
    text = _read("/proc/sys/kernel/random/boot_id")
    return text.strip() if text else None


def mark_interrupted_runs(
    engine: Engine,
    *,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    now: datetime | None = None,
    me: ProcessIdentity | None = None,
) -> list[str]:
    """Mark ``running`` rows whose process is gone as ``interrupted``; returns their run ids.

    A row of this host (``me.host``) is gone when :meth:`ProcessIdentity.is_gone`
    says so. A row of another host, or one without a process identity (written
    before identities were recorded), is gone once it started more than
    ``stale_after`` ago: another host's processes cannot be checked from here.
    Marked rows get ``finished_at = now`` and :data:`INTERRUPTED_ERROR`. Each
    update requires the row to be ``running`` still, so a run that finishes
    meanwhile, or a second process sweeping at the same time, is not overwritten.
    """
    me = me or ProcessIdentity.current()
    now = to_utc(now or utc_now(), "now")
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                pipeline_runs.c.run_id, pipeline_runs.c.started_at, pipeline_runs.c.report
            ).where(pipeline_runs.c.status == "running")
        ).all()
    gone = []
    for run_id, started_at, report in rows:
        owner = ProcessIdentity.from_report(report)
        if owner is not None and owner.host == me.host:
            if owner.is_gone():
                gone.append(run_id)
        elif now - from_db(started_at) > stale_after:
            gone.append(run_id)
    marked = []
    for run_id in gone:
        with write_transaction(engine) as conn:
            result = conn.execute(
                update(pipeline_runs)
                .where(pipeline_runs.c.run_id == run_id, pipeline_runs.c.status == "running")
                .values(status=INTERRUPTED, finished_at=now, error=INTERRUPTED_ERROR)
            )
        if result.rowcount:
            marked.append(run_id)
    return marked
