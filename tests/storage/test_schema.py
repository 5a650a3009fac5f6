"""Schema creation: idempotent, versioned, natural keys, KST timestamps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from storage import SCHEMA_VERSION, SchemaVersionError, open_engine
from storage.schema import create_schema, storage_schema_version

NATURAL_KEYS = {
    "weather_hourly": ["station_id", "tm"],
    "wind_generation_hourly": ["plant_code", "unit", "timestamp"],
    "pv_generation_hourly": ["gencd", "hogi", "datetime"],
    "pipeline_runs": ["run_id"],
    "source_signatures": ["source"],
}


def test_create_schema_is_idempotent_and_stamps_the_version(engine: Engine) -> None:
    assert create_schema(engine) == SCHEMA_VERSION  # the fixture already created it once
    inspector = inspect(engine)
    for table, key in NATURAL_KEYS.items():
        assert inspector.get_pk_constraint(table)["constrained_columns"] == key
    with engine.connect() as conn:
        assert conn.execute(storage_schema_version.select()).all()[0].version == SCHEMA_VERSION


def test_a_database_of_another_schema_version_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            storage_schema_version.insert().values(
                version=SCHEMA_VERSION + 1, applied_at=datetime.now(UTC)
            )
        )
    with pytest.raises(SchemaVersionError, match=f"version {SCHEMA_VERSION + 1}, newer"):
        create_schema(engine)


def test_method_columns_only_take_fill_method_labels(engine: Engine) -> None:
    row = "(108, '서울', '2024-01-01 00:00:00', 1.0, 2.0, 'guessed', 'observed', '2024-01-01 00:00:00')"
    with pytest.raises(Exception, match=r"(?i)check"), engine.begin() as conn:
        conn.execute(text(f"INSERT INTO weather_hourly VALUES {row}"))


@pytest.mark.postgres
def test_postgres_column_types(pg_url: URL) -> None:
    engine = open_engine(pg_url)
    try:
        create_schema(engine)
        with engine.connect() as conn:
            types = dict(
                conn.execute(
                    text(
                        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public'"
                    )
                ).all()
            )
    finally:
        engine.dispose()
    for column in (
        "weather_hourly.tm",
        "wind_generation_hourly.timestamp",
        "pv_generation_hourly.datetime",
    ):
        assert types[column] == "timestamp without time zone"  # naive KST
    for column in (
        "weather_hourly.loaded_at",
        "pipeline_runs.started_at",
        "source_signatures.updated_at",
    ):
        assert types[column] == "timestamp with time zone"
    assert types["pv_generation_hourly.generation"] == "double precision"
    assert types["pipeline_runs.backends"] == "jsonb"


@pytest.mark.postgres
def test_concurrent_schema_creation_on_postgres(pg_url: URL) -> None:
    # Two workers starting at once: the advisory lock serialises their DDL.
    errors: list[BaseException] = []
    engines = [open_engine(pg_url) for _ in range(4)]

    def create(engine: Engine) -> None:
        try:
            create_schema(engine)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(e,)) for e in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for e in engines:
            e.dispose()
    assert errors == []
