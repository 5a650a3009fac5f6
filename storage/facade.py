"""``Storage``: the one object flows use to reach the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError, StatementError

from foundations.settings import Settings
from storage import api_requests, observations, pv, runs, signatures, summary, weather, wind
from storage.engine import DEFAULT_SQLITE_BUSY_TIMEOUT_MS, open_engine, redact, redact_error
from storage.errors import StorageError
from storage.schema import create_schema
from storage.upsert import DEFAULT_BATCH_SIZE, DEFAULT_COPY_THRESHOLD, LoadResult


class Storage:
    """The pipeline's database: loaders, readers, run log and signatures over one engine.

    Every database failure surfaces as :class:`StorageError` (or a subclass:
    ``FrameError`` for a bad frame, ``PartialLoadError`` for a PV load that
    stopped between days), with the URL in messages always redacted.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        copy_threshold: int = DEFAULT_COPY_THRESHOLD,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.engine = engine
        self.copy_threshold = copy_threshold
        self.batch_size = batch_size

    @classmethod
    def from_url(
        cls,
        url: str | URL,
        *,
        sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
        **options: Any,
    ) -> Storage:
        """Open ``url`` (see :func:`storage.engine.open_engine`)."""
        return cls(open_engine(url, sqlite_busy_timeout_ms=sqlite_busy_timeout_ms), **options)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def __repr__(self) -> str:
        return f"Storage({redact(self.engine.url)})"

    @contextmanager
    def _errors(self, operation: str) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except SQLAlchemyError as exc:
            # exc.orig is the driver's own message (psycopg / sqlite3). It never
            # names the password as such, but when a password holds an unencoded
            # "@", ":" or "/" the driver quotes its tail as the host, port or
            # database: the message is redacted, and if that changed it, the
            # driver's exception is not chained (a traceback would print it).
            reason = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
            raw = f"{type(reason).__name__}: {reason}"
            safe = redact_error(raw, self.engine.url)
            error = StorageError(
                f"{operation} failed on {redact(self.engine.url)}: {safe}".rstrip()
            )
            if safe != raw:
                raise error from None
            raise error from exc

    # -- schema -----------------------------------------------------------------
    def create_schema(self) -> int:
        """Create missing tables; returns the schema version (see :mod:`storage.schema`)."""
        with self._errors("create_schema"):
            return create_schema(self.engine)

    # -- loaders ----------------------------------------------------------------
    # Every loader keeps stored observations against blanks and fills and records a
    # changed observation in observation_revisions, with ``run_id`` when given
    # (storage.observations).
    def load_weather(
        self, frame: pd.DataFrame, methods: Mapping[str, np.ndarray], *, run_id: str | None = None
    ) -> LoadResult:
        """Upsert T2 output with its method codes (:func:`storage.weather.load_weather`)."""
        with self._errors("load_weather"):
            return weather.load_weather(
                self.engine,
                frame,
                methods,
                run_id=run_id,
                copy_threshold=self.copy_threshold,
                batch_size=self.batch_size,
            )

    def load_wind(self, frame: pd.DataFrame, *, run_id: str | None = None) -> LoadResult:
        """Upsert T3 output (:func:`storage.wind.load_wind`)."""
        with self._errors("load_wind"):
            return wind.load_wind(
                self.engine,
                frame,
                run_id=run_id,
                copy_threshold=self.copy_threshold,
                batch_size=self.batch_size,
            )

    def replace_pv_days(self, frame: pd.DataFrame, *, run_id: str | None = None) -> pv.PvLoadResult:
        """Merge each (gencd, hogi, day) of T4 output into the table (:func:`storage.pv.replace_pv_days`)."""
        with self._errors("replace_pv_days"):
            return pv.replace_pv_days(
                self.engine,
                frame,
                run_id=run_id,
                copy_threshold=self.copy_threshold,
                batch_size=self.batch_size,
            )

    # -- readers ----------------------------------------------------------------
    def read_weather_history(
        self,
        stations: Sequence[str | int],
        start: datetime | pd.Timestamp | str,
        end: datetime | pd.Timestamp | str,
    ) -> pd.DataFrame:
        """Observed weather, T2 ``history`` shape (:func:`storage.weather.read_weather_history`)."""
        with self._errors("read_weather_history"):
            return weather.read_weather_history(self.engine, stations, start, end)

    def weather_incomplete_days(
        self, stations: Iterable[int], start: date, end: date
    ) -> dict[int, list[date]]:
        """Station-days with < 24 rows stored (:func:`storage.weather.weather_incomplete_days`)."""
        with self._errors("weather_incomplete_days"):
            return weather.weather_incomplete_days(self.engine, stations, start, end)

    def read_weather_observed(
        self,
        stations: Sequence[int],
        start: datetime | pd.Timestamp | str,
        end: datetime | pd.Timestamp | str,
    ) -> pd.DataFrame:
        """Stored rows as T2 input, fills as NaN (:func:`storage.weather.read_weather_observed`)."""
        with self._errors("read_weather_observed"):
            return weather.read_weather_observed(self.engine, stations, start, end)

    def weather_stations(
        self, start: datetime | pd.Timestamp | str, end: datetime | pd.Timestamp | str
    ) -> list[int]:
        """Stations with stored rows in the window (:func:`storage.weather.weather_stations`)."""
        with self._errors("weather_stations"):
            return weather.weather_stations(self.engine, start, end)

    def weather_observed_means(
        self,
        stations: Sequence[int],
        start: datetime | pd.Timestamp | str,
        end: datetime | pd.Timestamp | str,
    ) -> dict[str, float]:
        """Mean stored observed value per column (:func:`storage.weather.weather_observed_means`)."""
        with self._errors("weather_observed_means"):
            return weather.weather_observed_means(self.engine, stations, start, end)

    def write_weather_fills(
        self, frame: pd.DataFrame, methods: Mapping[str, np.ndarray]
    ) -> weather.FillWriteResult:
        """Revise stored fills, never observed values (:func:`storage.weather.write_weather_fills`)."""
        with self._errors("write_weather_fills"):
            return weather.write_weather_fills(self.engine, frame, methods)

    def load_weather_run(
        self,
        frame: pd.DataFrame,
        methods: Mapping[str, np.ndarray],
        fills: pd.DataFrame,
        fill_methods: Mapping[str, np.ndarray],
        *,
        run_id: str | None = None,
    ) -> tuple[LoadResult, weather.FillWriteResult]:
        """Load a run's rows and revise earlier fills in one transaction (:func:`storage.weather.load_weather_run`)."""
        with self._errors("load_weather_run"):
            return weather.load_weather_run(
                self.engine,
                frame,
                methods,
                fills,
                fill_methods,
                run_id=run_id,
                copy_threshold=self.copy_threshold,
                batch_size=self.batch_size,
            )

    def wind_incomplete_days(self, start: date, end: date) -> list[date]:
        """Days the wind table does not hold completely (:func:`storage.wind.wind_incomplete_days`)."""
        with self._errors("wind_incomplete_days"):
            return wind.wind_incomplete_days(self.engine, start, end)

    def pv_incomplete_days(
        self,
        units: Iterable[tuple[str, int]],
        start: date,
        end: date,
        *,
        require_value: bool = False,
    ) -> list[pv.PvDay]:
        """Days with fewer than 24 hours stored (:func:`storage.pv.pv_incomplete_days`)."""
        with self._errors("pv_incomplete_days"):
            return pv.pv_incomplete_days(
                self.engine, units, start, end, require_value=require_value
            )

    # -- observation revisions ----------------------------------------------------
    def observation_revisions(
        self,
        table: str | None = None,
        *,
        run_id: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[observations.Revision]:
        """Recorded changes of stored observations, oldest first (:func:`storage.observations.list_revisions`)."""
        with self._errors("observation_revisions"):
            return observations.list_revisions(
                self.engine, table, run_id=run_id, since=since, limit=limit
            )

    def revert_revisions(
        self, revision_ids: Sequence[int], *, run_id: str | None = None
    ) -> list[observations.Revision]:
        """Write back the old values, all or none (:func:`storage.observations.revert_revisions`)."""
        with self._errors("revert_revisions"):
            return observations.revert_revisions(self.engine, revision_ids, run_id=run_id)

    # -- run log and signatures ---------------------------------------------------
    def record_run(self, record: runs.RunRecord) -> None:
        """Insert or update a run (:func:`storage.runs.record_run`)."""
        with self._errors("record_run"):
            runs.record_run(self.engine, record)

    def get_run(self, run_id: str) -> runs.RunRecord | None:
        with self._errors("get_run"):
            return runs.get_run(self.engine, run_id)

    def recent_runs(self, flow: str | None = None, limit: int = 20) -> list[runs.RunRecord]:
        with self._errors("recent_runs"):
            return runs.recent_runs(self.engine, flow, limit)

    def get_signature(self, source: str) -> dict[str, Any] | None:
        with self._errors("get_signature"):
            return signatures.get_signature(self.engine, source)

    def put_signature(self, source: str, signature: Mapping[str, Any]) -> None:
        with self._errors("put_signature"):
            signatures.put_signature(self.engine, source, signature)

    # -- daily request ledger ------------------------------------------------------
    def try_spend_request(self, source: str, day: date, budget: int) -> tuple[bool, int]:
        """Count one API request against the day's budget (:func:`storage.api_requests.try_spend`)."""
        with self._errors("try_spend_request"):
            return api_requests.try_spend(self.engine, source, day, budget)

    def requests_sent(self, source: str, day: date) -> int:
        """Requests of ``source`` counted on ``day`` (:func:`storage.api_requests.requests_sent`)."""
        with self._errors("requests_sent"):
            return api_requests.requests_sent(self.engine, source, day)

    # -- summaries ----------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Rows per table, for the job summary."""
        with self._errors("counts"):
            return summary.counts(self.engine)

    def table_digest(self, table: str) -> str:
        """Content digest of ``table`` without bookkeeping columns (:func:`storage.summary.table_digest`)."""
        with self._errors("table_digest"):
            return summary.table_digest(self.engine, table)

    # -- lifetime -----------------------------------------------------------------
    def close(self) -> None:
        """Close every pooled connection. The object is unusable afterwards."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_storage(settings: Settings, *, create: bool = True, **options: Any) -> Storage:
    """A :class:`Storage` on ``settings.database_url()``; with ``create``, the schema is ensured.

    ``options`` go to :class:`Storage` (``copy_threshold``, ``batch_size``) or
    the engine (``sqlite_busy_timeout_ms``).
    """
    storage = Storage.from_url(settings.database_url(), **options)
    if create:
        try:
            storage.create_schema()
        except BaseException:
            storage.close()
            raise
    return storage
