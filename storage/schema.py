"""The tables (SQLAlchemy Core) and their idempotent creation.

Time conventions, the same on SQLite and PostgreSQL:

* Data timestamps (``weather_hourly.tm``, ``wind_generation_hourly.timestamp``,
  ``pv_generation_hourly.datetime``) are naive Korean wall-clock time (KST,
  UTC+9, no DST), stored as ``timestamp without time zone``: the transforms
  output naive KST and every query about "a day" means a KST day, so storing
  UTC would only move day boundaries to 09:00.
* Bookkeeping instants (``loaded_at``, run start/finish, ``updated_at``) are UTC;
  PostgreSQL stores them as ``timestamptz``, SQLite as naive UTC text, and the
  readers hand back timezone-aware UTC datetimes.

Creation is ``metadata.create_all`` (it skips existing tables) plus a one-row
``storage_schema_version`` table. :data:`SCHEMA_VERSION` is bumped whenever a
table changes in a way ``create_all`` cannot apply to an existing database; a
database stamped with another version is refused with a clear error rather
than used with the wrong columns. There are no migrations yet: version 1 is
the first schema. Adding a table does not change the version (``create_all``
adds it to an existing database on the next start): ``observation_revisions``
was added that way.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    Engine,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from foundations.fill_methods import FillMethod
from storage.engine import write_transaction
from storage.errors import SchemaVersionError

SCHEMA_VERSION = 1

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    }
)

#: Naive KST wall-clock time (``timestamp without time zone``).
KstTimestamp = DateTime(timezone=False)
#: A UTC instant (``timestamptz`` on PostgreSQL).
UtcTimestamp = DateTime(timezone=True)
JsonDocument = JSON().with_variant(JSONB(), "postgresql")

FILL_METHOD_LABELS: tuple[str, ...] = tuple(m.label for m in FillMethod)
_LABELS_SQL = ", ".join(f"'{label}'" for label in FILL_METHOD_LABELS)

weather_hourly = Table(
    "weather_hourly",
    metadata,
    Column("station_id", Integer, nullable=False),
    Column("station_name", String(64), nullable=False),
    Column("tm", KstTimestamp, nullable=False),
    Column("ta", Double),
    Column("hm", Double),
    # FillMethod labels: provenance of each value, so that fills are never
    # read back as observations (see storage.weather.read_weather_history).
    Column("ta_method", String(16), nullable=False),
    Column("hm_method", String(16), nullable=False),
    Column("loaded_at", UtcTimestamp, nullable=False),
    PrimaryKeyConstraint("station_id", "tm"),
    CheckConstraint(f"ta_method IN ({_LABELS_SQL})", name="ta_method"),
    CheckConstraint(f"hm_method IN ({_LABELS_SQL})", name="hm_method"),
    Index(None, "station_name", "tm"),
)

wind_generation_hourly = Table(
    "wind_generation_hourly",
    metadata,
    Column("plant_code", String(32), nullable=False),
    Column("unit", Integer, nullable=False),
    Column("timestamp", KstTimestamp, nullable=False),
    Column("plant_name", String(128), nullable=False),
    Column("generation", Double),
    PrimaryKeyConstraint("plant_code", "unit", "timestamp"),
)

pv_generation_hourly = Table(
    "pv_generation_hourly",
    metadata,
    Column("gencd", String(32), nullable=False),
    Column("hogi", Integer, nullable=False),
    Column("datetime", KstTimestamp, nullable=False),
    Column("plant_name", String(128), nullable=False),
    Column("generation", Double),
    Column("daily_total", Double),
    Column("daily_avg", Double),
    Column("daily_max", Double),
    Column("daily_min", Double),
    PrimaryKeyConstraint("gencd", "hogi", "datetime"),
)

pipeline_runs = Table(
    "pipeline_runs",
    metadata,
    Column("run_id", String(64), nullable=False),
    Column("flow", String(64), nullable=False),
    Column("started_at", UtcTimestamp, nullable=False),
    Column("finished_at", UtcTimestamp),
    Column("status", String(32), nullable=False),
    Column("rows_fetched", Integer),
    Column("rows_loaded", Integer),
    #: transform name -> backend that actually ran it
    Column("backends", JsonDocument, nullable=False),
    Column("report", JsonDocument, nullable=False),
    Column("error", Text),
    PrimaryKeyConstraint("run_id"),
    Index(None, "flow", "started_at"),
)

source_signatures = Table(
    "source_signatures",
    metadata,
    Column("source", String(64), nullable=False),
    Column("signature", JsonDocument, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    PrimaryKeyConstraint("source"),
)

#: Requests sent to each API per Korean calendar day, shared by every run on
#: this database: the portal's quota is per key and day, not per run.
api_requests = Table(
    "api_requests",
    metadata,
    Column("source", String(16), nullable=False),
    Column("day", Date, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    PrimaryKeyConstraint("source", "day"),
    CheckConstraint("requests >= 0", name="requests"),
)

#: Every change of a stored observation by a later answer (storage.observations):
#: which row (its natural key as a JSON object, timestamps as ISO text) and column,
#: the value before and after, when (UTC), by which run if the loader was told,
#: and for a revert, the revision it reverted. Fills being revised or replaced by
#: observations are not recorded here: only observation -> different observation.
observation_revisions = Table(
    "observation_revisions",
    metadata,
    # INTEGER PRIMARY KEY on SQLite (the rowid, autoincrementing), bigint identity on PostgreSQL.
    Column(
        "revision_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("table_name", String(64), nullable=False),
    Column("row_key", JsonDocument, nullable=False),
    Column("column_name", String(64), nullable=False),
    Column("old_value", Double, nullable=False),
    Column("new_value", Double, nullable=False),
    Column("changed_at", UtcTimestamp, nullable=False),
    Column("run_id", String(64)),
    Column("reverts", BigInteger().with_variant(Integer, "sqlite")),
    Index(None, "table_name", "changed_at"),
    Index(None, "run_id"),
)

storage_schema_version = Table(
    "storage_schema_version",
    metadata,
    Column("version", Integer, nullable=False),
    Column("applied_at", UtcTimestamp, nullable=False),
    PrimaryKeyConstraint("version"),
)

#: The tables that hold pipeline data and bookkeeping (what ``counts()`` reports).
DATA_TABLES: tuple[Table, ...] = (
    weather_hourly,
    wind_generation_hourly,
    pv_generation_hourly,
    pipeline_runs,
    source_signatures,
    observation_revisions,
)

# Serialises concurrent create_schema calls on PostgreSQL (two workers starting
# at once would otherwise race on CREATE TABLE).
_DDL_LOCK_KEY = int.from_bytes(hashlib.sha256(b"energy-pipeline schema").digest()[:4], "big")


def create_schema(engine: Engine) -> int:
    """Create the missing tables and stamp (or check) the schema version; returns it.

    Safe to call on every start, from several processes at once. Raises
    :class:`SchemaVersionError` if the database carries another version.
    """
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DDL_LOCK_KEY})
        metadata.create_all(conn, checkfirst=True)
        stored = conn.execute(select(storage_schema_version.c.version)).scalars().all()
        if not stored:
            conn.execute(
                storage_schema_version.insert().values(
                    version=SCHEMA_VERSION, applied_at=datetime.now(UTC)
                )
            )
            return SCHEMA_VERSION
        found: int = max(stored)
        if found != SCHEMA_VERSION:
            newer = "newer" if found > SCHEMA_VERSION else "older"
            raise SchemaVersionError(
                f"the database has storage schema version {found}, {newer} than this code's "
                f"version {SCHEMA_VERSION}; run the matching release of the pipeline "
                "(no automatic migration exists between these versions)"
            )
        return found
