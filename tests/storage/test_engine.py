"""Opening databases: URL handling, SQLite pragmas and locking, the PostgreSQL driver."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from storage import Storage, StorageError, normalize_url, open_engine, redact
from tests.storage.conftest import sqlite_url
from tests.storage.frames import wind_frame


@pytest.mark.parametrize(
    "raw",
    [
        "postgresql://energy:pw@db:5432/energy",
        "postgres://energy:pw@db:5432/energy",
        "postgresql+psycopg://energy:pw@db:5432/energy",
    ],
)
def test_postgres_urls_use_psycopg_3(raw: str) -> None:
    url = normalize_url(raw)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "energy",
        "pw",
        "db",
        5432,
        "energy",
    )


@pytest.mark.parametrize(
    "raw",
    ["postgresql+psycopg2://energy:s3cret-pw@db/energy", "mysql://energy:s3cret-pw@db/energy"],
)
def test_unsupported_urls_are_refused_without_the_password(raw: str) -> None:
    with pytest.raises(StorageError, match="unsupported database URL") as info:
        normalize_url(raw)
    assert "s3cret-pw" not in str(info.value)
    assert "***" in str(info.value)


def test_unparseable_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(StorageError, match="cannot parse") as info:
        normalize_url("s3cret-pw is not a url")
    assert "s3cret-pw" not in str(info.value)


def test_redact_hides_the_password() -> None:
    assert redact("postgresql://energy:s3cret-pw@db/energy") == "postgresql://energy:***@db/energy"
    assert "s3cret" not in redact("s3cret garbage")


def test_sqlite_file_gets_wal_foreign_keys_busy_timeout_and_its_directory(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    assert not Path(url.database).parent.exists()
    engine = open_engine(url, sqlite_busy_timeout_ms=1234)
    try:
        for _ in range(2):  # every pooled connection, not just the first
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    finally:
        engine.dispose()
    assert Path(url.database).exists()


def test_sqlite_transactions_are_real_including_ddl(tmp_path: Path) -> None:
    # The driver's legacy mode would autocommit the CREATE TABLE; ours rolls it back.
    engine = open_engine(sqlite_url(tmp_path))
    try:
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            raise RuntimeError("abort")
        with engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 't'").scalar()
                == 0
            )
    finally:
        engine.dispose()


def test_sqlite_concurrent_writers_wait_instead_of_failing(tmp_path: Path) -> None:
    # Deferred transactions that upgrade to writing fail with "database is
    # locked" regardless of the busy timeout; BEGIN IMMEDIATE makes them wait.
    plants = [(f"{1000 + i}", 1, f"plant {i}") for i in range(4)]
    errors: list[BaseException] = []
    with Storage.from_url(sqlite_url(tmp_path)) as db:
        db.create_schema()

        def writer(plant: tuple[str, int, str]) -> None:
            try:
                for seed in range(10):
                    db.load_wind(wind_frame([plant], hours=72, seed=seed))
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(p,)) for p in plants]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert db.counts()["wind_generation_hourly"] == 4 * 72


@pytest.mark.postgres
def test_postgres_engine_uses_psycopg_and_names_itself(pg_url: URL) -> None:
    engine = open_engine(pg_url.set(drivername="postgresql"))
    try:
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW application_name").scalar() == "energy-pipeline"
    finally:
        engine.dispose()
