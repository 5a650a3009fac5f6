"""Opening a database: SQLite (embedded default) or PostgreSQL (production, psycopg 3).

SQLite connections run in WAL mode (readers never block the writer), with
foreign keys on and a busy timeout, and the pysqlite driver's own transaction
handling switched off so that SQLAlchemy's ``BEGIN`` is the real one (the
driver otherwise skips ``BEGIN`` before DDL and ``SELECT``). Write
transactions use ``BEGIN IMMEDIATE`` (see :func:`write_connection`): a deferred
transaction that upgrades from reading to writing fails at once with
``database is locked`` when another writer got there first, whatever the busy
timeout, whereas ``IMMEDIATE`` takes the write lock up front and waits.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from foundations.redaction import database_url_secrets, register_database_url
from foundations.redaction import redact as redact_text
from storage.errors import StorageError

log = structlog.get_logger(__name__)

POSTGRES_DRIVERNAME = "postgresql+psycopg"
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 30_000
APPLICATION_NAME = "energy-pipeline"

#: Execution option read by the SQLite ``begin`` hook: "DEFERRED" or "IMMEDIATE".
_SQLITE_BEGIN_OPTION = "energy_sqlite_begin"


def redact(url: str | URL) -> str:
    """The URL as text with its password replaced by ``***``: the only form that may be logged.

    SQLAlchemy's own rendering hides only the password *it* parsed; a password
    with an unencoded ``@`` leaves its tail in the host. So the rendering is
    passed through :func:`redact_text` too, which masks every password piece of
    every URL opened in this process (registered by :func:`open_engine`) and of
    ``url`` itself when it is given as text.
    """
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # An unparseable URL may still hold a password somewhere: show none of it.
        return "<unparseable database URL>"
    return redact_text(shown, *_url_secrets(url))


def redact_error(text: object, url: str | URL) -> str:
    """``text`` (a driver's error message, say) without any piece of ``url``'s password."""
    return redact_text(text, *_url_secrets(url))


def _url_secrets(url: str | URL) -> list[str]:
    if isinstance(url, str):
        return database_url_secrets(url)
    # A URL object has lost where an "@"-split password really ended (its tail
    # is the host now); the registry filled by open_engine still knows.
    return database_url_secrets(url.render_as_string(hide_password=False))


def normalize_url(url: str | URL) -> URL:
    """Parse ``url`` and pin the driver: ``postgresql://`` becomes ``postgresql+psycopg://``.

    Only SQLite (the standard library driver) and PostgreSQL through psycopg 3
    are supported; anything else is a :class:`StorageError` that names the URL
    without its password.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # ValueError: SQLAlchemy reads the text after an unencoded ":" in a
        # password as a port; its message quotes that text, so it is not shown.
        raise StorageError(
            "cannot parse the database URL (expected sqlite:///path or "
            "postgresql://user:password@host:port/database)"
        ) from None
    name = parsed.drivername
    if name in ("postgresql", "postgres", POSTGRES_DRIVERNAME):
        return parsed.set(drivername=POSTGRES_DRIVERNAME)
    if name in ("sqlite", "sqlite+pysqlite"):
        return parsed
    raise StorageError(
        f"unsupported database URL {redact(parsed)}: use sqlite:///<path> or "
        "postgresql://... (psycopg 3 is the only PostgreSQL driver installed)"
    )


def json_dumps(value: Any) -> str:
    """JSON for the run log and signatures: numpy scalars as numbers, NaN as null, sorted keys.

    PostgreSQL's ``jsonb`` refuses ``NaN`` and the standard encoder refuses numpy
    integers, both of which transform reports can carry.
    """
    return json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False, allow_nan=False)


def to_jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays, tuples and non-str keys turned into plain JSON types."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def open_engine(
    url: str | URL, *, sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS
) -> Engine:
    """An :class:`Engine` for ``url``, configured for this project (see the module docstring).

    A file SQLite database's parent directory is created. The caller owns the
    engine and must ``dispose()`` it (``Storage.close()`` does). The URL's
    password, in every way a parser may split it, is registered for redaction
    first, so no log line, error or notification of this process can show it.
    """
    register_database_url(
        url if isinstance(url, str) else url.render_as_string(hide_password=False)
    )
    parsed = normalize_url(url)
    common: dict[str, Any] = {"json_serializer": json_dumps}
    if parsed.get_backend_name() == "sqlite":
        _create_sqlite_parent(parsed)
        engine = create_engine(parsed, **common)
        _configure_sqlite(engine, sqlite_busy_timeout_ms)
    else:
        engine = create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args={"application_name": APPLICATION_NAME},
            **common,
        )
    log.info("database engine opened", url=redact(parsed), dialect=engine.dialect.name)
    return engine


def _create_sqlite_parent(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: SQLAlchemy's "begin" hook below emits
        # every BEGIN itself, so DDL is transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            # Safe with WAL: a crash may lose the last commits, never corrupt the file.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose transactions take the write lock at ``BEGIN`` (SQLite ``IMMEDIATE``).

    On PostgreSQL this is an ordinary connection. Use ``with conn.begin():``
    for each transaction.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(**{_SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        yield conn


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises."""
    with write_connection(engine) as conn, conn.begin():
        yield conn
