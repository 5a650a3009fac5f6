"""The storage layer: SQLite (embedded default, WAL) or PostgreSQL (production, psycopg 3).

Flows use one :class:`Storage`::

    from storage import open_storage

    with open_storage(settings) as db:            # settings.database_url(); schema ensured
        db.load_weather(t2.frame, t2.methods)     # upsert on (station_id, tm), provenance kept
        db.load_wind(t3.frame)                    # upsert on (plant_code, unit, timestamp)
        db.replace_pv_days(t4.frame)              # merged per hour, one transaction per (gencd, hogi, day)
        db.observation_revisions(table); db.revert_revisions(ids)   # changed observations
        history = db.read_weather_history(names, start, end)   # observed values only
        todo = db.pv_incomplete_days(units, first_day, last_day)
        db.record_run(RunRecord(...)); db.get_run(run_id); db.recent_runs(flow)
        db.get_signature("asos"); db.put_signature("asos", signature)
        db.counts(); db.table_digest("pv_generation_hourly")

Interface (all methods of :class:`Storage`):

``create_schema() -> int``
    Create missing tables (idempotent, safe from several processes) and check
    the schema version; see :mod:`storage.schema`. ``open_storage`` calls it.
``load_weather(frame, methods, *, run_id=None) -> LoadResult``
    T5/T2 frame (``tm``, ``stnId``, ``stnNm``, ``ta``, ``hm``) plus T2's
    ``methods`` codes (or :func:`observed_methods` for raw observations).
``load_wind(frame, *, run_id=None) -> LoadResult``
    T3 frame. All rows in one transaction; a re-run is idempotent.
``replace_pv_days(frame, *, run_id=None) -> PvLoadResult``
    T4 frame. Per day, in one transaction: the answer's hours merged into the
    stored day. A failure between days raises :class:`PartialLoadError`
    listing the days already written.
    Every loader keeps a stored observation against a blank, a fill or (PV)
    an absent hour, and applies a changed one, recording it in
    ``observation_revisions`` with ``run_id`` (:mod:`storage.observations`).
``observation_revisions(table=None, *, run_id, since, limit) -> list[Revision]``, ``revert_revisions(ids)``
    The recorded changes of stored observations, and undoing them.
``read_weather_history(stations, start, end) -> DataFrame``
    ``tm``, ``stnNm``, ``ta``, ``hm`` with ``start <= tm < end`` (naive KST);
    values not ``observed`` read as NaN, rows with none observed are omitted.
``pv_incomplete_days(units, start, end, require_value=False) -> list[(gencd, hogi, day)]``
    Days (``start``..``end`` inclusive) with fewer than 24 distinct hours stored.
``record_run(RunRecord)``, ``get_run(run_id)``, ``recent_runs(flow=None, limit=20)``
    The run log (upsert on ``run_id``; aware datetimes, returned in UTC).
``get_signature(source) -> dict | None``, ``put_signature(source, signature)``
    Schema-drift baselines.
``counts() -> dict[str, int]``, ``table_digest(table) -> str``
    Rows per table; an engine-independent digest of a table's contents
    without ``loaded_at``/``updated_at`` (equal before and after a re-run).
``close()``
    Dispose of the engine (also on leaving a ``with`` block).

Conventions: data timestamps are naive KST stored as ``timestamp without time
zone``; NaN is stored as NULL; large loads on PostgreSQL (``copy_threshold``
rows, default 5,000) go through COPY into a TEMP staging table and one
``INSERT ... SELECT ... ON CONFLICT DO UPDATE``. Errors are
:class:`StorageError` and never contain the database password.
"""

from storage.engine import normalize_url, open_engine, redact
from storage.errors import FrameError, PartialLoadError, SchemaVersionError, StorageError
from storage.facade import Storage, open_storage
from storage.pv import PvLoadResult
from storage.runs import RunRecord
from storage.schema import SCHEMA_VERSION
from storage.upsert import LoadResult
from storage.weather import observed_methods

__all__ = [
    "SCHEMA_VERSION",
    "FrameError",
    "LoadResult",
    "PartialLoadError",
    "PvLoadResult",
    "RunRecord",
    "SchemaVersionError",
    "Storage",
    "StorageError",
    "normalize_url",
    "observed_methods",
    "open_engine",
    "open_storage",
    "redact",
]
