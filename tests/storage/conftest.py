"""Storage fixtures: every storage test runs on SQLite and on a real PostgreSQL.

The ``postgresql`` parameter carries the ``postgres`` marker, so
``-m "not postgres"`` runs the SQLite half alone. Each test gets a new SQLite
file or a new PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from storage import Storage, open_engine
from storage.schema import create_schema

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def sqlite_url(directory: Path) -> URL:
    # A nested path: opening the database must create the missing directories.
    return make_url(f"sqlite:///{directory / 'data' / 'energy.sqlite'}")


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """A URL of an empty database of each kind."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres_database_url")


@pytest.fixture
def engine(db_url: URL) -> Iterator[Engine]:
    """An engine with the schema created; disposed after the test."""
    engine = open_engine(db_url)
    try:
        create_schema(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def storage(db_url: URL) -> Iterator[Storage]:
    """A :class:`Storage` with the schema created and the default COPY threshold."""
    with Storage.from_url(db_url) as db:
        db.create_schema()
        yield db


@pytest.fixture
def pg_url(postgres_database_url: URL) -> URL:
    """PostgreSQL only, for tests of COPY, terminated backends and server types."""
    return postgres_database_url
