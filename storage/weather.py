"""Weather: loading T2 output with per-value provenance, and reading observations back.

Each stored ``ta``/``hm`` carries the :class:`~registry.contracts.FillMethod`
label that produced it. :func:`read_weather_history` returns observed values
only, so a fill written by one run never becomes climatology evidence for the
next (T2 rule 6 counts history rows as observations).

The weather flow imputes with stored context (docs/weather_fills.md):
:func:`weather_incomplete_days` says which station-days to fetch,
:func:`read_weather_observed` gives the stored rows of a window as T2 input
(fills read as NaN), and :func:`write_weather_fills` /
:func:`load_weather_run` revise fills of rows stored earlier without ever
touching an observed value.

Loading fetched rows (:func:`load_weather`, :func:`load_weather_run`) follows
the storage rule of :mod:`storage.observations`, per column (``ta`` and ``hm``
independently), on the stored method:

* stored ``observed``, new value a blank or a fill (any method but
  ``observed``): the stored value and ``observed`` stay;
* stored ``observed``, new ``observed`` and different beyond 1e-12 relative:
  the new value is written and one ``observation_revisions`` row records old
  and new; within the noise the stored value stays;
* stored fill or ``unfilled``: the new value and method are written, whatever
  they are (an observation replacing a fill is the normal case).

``station_name`` and ``loaded_at`` are rewritten on every upsert. The fill
revision (:func:`write_weather_fills`) only ever touches non-observed values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    extract,
    false,
    func,
    or_,
    select,
    update,
)

from foundations.fill_methods import FillMethod
from storage.engine import write_transaction
from storage.errors import FrameError
from storage.frames import (
    ColumnKind,
    PreparedRows,
    as_naive_kst,
    frame_from_rows,
    instant_column,
    normalize,
    require_columns,
)
from storage.instants import utc_now
from storage.observations import (
    kst_datetimes,
    lock_table,
    record_revisions,
    revised,
    same_observation,
)
from storage.schema import FILL_METHOD_LABELS, weather_hourly
from storage.upsert import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COPY_THRESHOLD,
    LoadMethod,
    LoadResult,
    upsert_in_transaction,
)

#: The imputed value columns, each with its method column.
VALUE_COLUMNS: tuple[str, ...] = ("ta", "hm")
#: Columns of the frame handed to :func:`load_weather` (T5 output, after T2).
FRAME_COLUMNS: tuple[str, ...] = ("tm", "stnId", "stnNm", *VALUE_COLUMNS)
WEATHER_KEYS: tuple[str, ...] = ("station_id", "tm")
TABLE_COLUMNS: tuple[str, ...] = (
    "station_id",
    "station_name",
    "tm",
    "ta",
    "hm",
    "ta_method",
    "hm_method",
    "loaded_at",
)

_WHAT = "weather load (T2 output frame)"
_OBSERVED = FillMethod.OBSERVED.label


def observed_methods(
    frame: pd.DataFrame, columns: Sequence[str] = VALUE_COLUMNS
) -> dict[str, np.ndarray]:
    """Method codes for a frame that holds observations only (T5 output not run through T2).

    A value is ``observed``; a missing one ``unfilled``.
    """
    require_columns(frame, columns, "observed_methods")
    methods = {}
    for name in columns:
        missing = pd.to_numeric(frame[name], errors="coerce").isna().to_numpy()
        methods[name] = np.where(missing, FillMethod.UNFILLED, FillMethod.OBSERVED).astype(np.int8)
    return methods


def _method_labels(codes: object, values: np.ndarray, column: str) -> np.ndarray:
    array = np.asarray(codes)
    if array.shape != values.shape:
        raise FrameError(
            f"{_WHAT}: methods[{column!r}] has shape {array.shape}, expected {values.shape} (one code per row)"
        )
    if not np.issubdtype(array.dtype, np.integer) or not np.isin(array, list(FillMethod)).all():
        raise FrameError(f"{_WHAT}: methods[{column!r}] holds values that are not FillMethod codes")
    array = array.astype(np.int64)
    # A NaN value is exactly an unfilled one (T2 rule 6); anything else means the
    # methods do not belong to this frame, and storing them would lie about provenance.
    inconsistent = np.flatnonzero(np.isnan(values) != (array == FillMethod.UNFILLED))
    if inconsistent.size:
        rows = [int(i) for i in inconsistent[:10]]
        raise FrameError(
            f"{_WHAT}: column {column!r} and its method codes disagree at rows {rows} "
            "(a missing value must be 'unfilled' and an 'unfilled' value missing)"
        )
    labels: np.ndarray = np.asarray(FILL_METHOD_LABELS, dtype=object)[array]
    return labels


def _prepare_load(
    frame: pd.DataFrame, methods: Mapping[str, np.ndarray]
) -> tuple[PreparedRows, int]:
    """The rows :func:`load_weather` writes, and how many in-frame duplicates were dropped."""
    require_columns(frame, FRAME_COLUMNS, _WHAT)
    missing_methods = [c for c in VALUE_COLUMNS if c not in methods]
    if missing_methods:
        raise FrameError(
            f"{_WHAT}: no method codes for {missing_methods}; run T2 with with_methods=True, "
            "or pass observed_methods(frame) for raw observations"
        )
    values = {c: normalize(frame[c], "float", _WHAT) for c in VALUE_COLUMNS}
    labels = {c: _method_labels(methods[c], values[c], c) for c in VALUE_COLUMNS}

    keep = ~frame.duplicated(subset=["stnId", "tm"], keep="last").to_numpy()
    kept = frame.loc[keep]
    rows = PreparedRows(
        TABLE_COLUMNS,
        ("int", "str", "kst", "float", "float", "str", "str", "instant"),
        (
            normalize(kept["stnId"], "int", _WHAT),
            normalize(kept["stnNm"], "str", _WHAT),
            normalize(kept["tm"], "kst", _WHAT),
            *(values[c][keep] for c in VALUE_COLUMNS),
            *(labels[c][keep] for c in VALUE_COLUMNS),
            instant_column(utc_now(), int(keep.sum())),
        ),
    )
    return rows, int((~keep).sum())


def _weather_updates(stmt: Any) -> dict[str, Any]:
    """The upsert's SET clause: the module docstring's rule, per value column, decided in SQL."""
    w, new = weather_hourly, stmt.excluded
    updates: dict[str, Any] = {"station_name": new.station_name, "loaded_at": new.loaded_at}
    for column in VALUE_COLUMNS:
        method = w.c[f"{column}_method"]
        stored_observed = method == _OBSERVED
        keep = and_(
            stored_observed,
            or_(new[f"{column}_method"] != _OBSERVED, same_observation(w.c[column], new[column])),
        )
        updates[column] = case((keep, w.c[column]), else_=new[column])
        # Every right-hand side reads the stored row (SQL UPDATE semantics), not the new ta above.
        updates[f"{column}_method"] = case((stored_observed, method), else_=new[f"{column}_method"])
    return updates


def _upsert_fetched(
    conn: Connection,
    rows: PreparedRows,
    *,
    run_id: str | None,
    copy_threshold: int,
    batch_size: int,
) -> tuple[LoadMethod, int, int]:
    """Upsert fetched rows under the observation rule; returns (method, revisions recorded, observations kept)."""
    lock_table(conn, weather_hourly.name)
    incoming = pd.DataFrame(dict(zip(rows.names, rows.arrays, strict=True)))
    w = weather_hourly
    stored_rows = conn.execute(
        select(w.c.station_id, w.c.tm, w.c.ta, w.c.hm, w.c.ta_method, w.c.hm_method).where(
            and_(
                w.c.station_id.in_(sorted({int(i) for i in incoming["station_id"]})),
                w.c.tm >= pd.Timestamp(incoming["tm"].min()).to_pydatetime(),
                w.c.tm <= pd.Timestamp(incoming["tm"].max()).to_pydatetime(),
            )
        )
    ).all()
    revisions = kept = 0
    if stored_rows:
        stored = pd.DataFrame(
            stored_rows, columns=["station_id", "tm", "ta", "hm", "ta_method", "hm_method"]
        )
        stored = stored.astype({"station_id": "int64", "ta": "float64", "hm": "float64"})
        stored["tm"] = kst_datetimes(stored["tm"])
        both = incoming.merge(stored, on=list(WEATHER_KEYS), suffixes=("", "_stored"))
        for column in VALUE_COLUMNS:
            was_observed = (both[f"{column}_method_stored"] == _OBSERVED).to_numpy()
            is_observed = (both[f"{column}_method"] == _OBSERVED).to_numpy()
            kept += int((was_observed & ~is_observed).sum())
            old = both[f"{column}_stored"].to_numpy(dtype=np.float64)
            new = both[column].to_numpy(dtype=np.float64)
            changed = was_observed & is_observed & revised(old, new)
            revisions += record_revisions(
                conn,
                w.name,
                column,
                both.loc[changed, list(WEATHER_KEYS)],
                old[changed],
                new[changed],
                changed_at=incoming["loaded_at"].iloc[0],
                run_id=run_id,
            )
    method = upsert_in_transaction(
        conn,
        weather_hourly,
        WEATHER_KEYS,
        rows,
        copy_threshold=copy_threshold,
        batch_size=batch_size,
        updates=_weather_updates,
    )
    return method, revisions, kept


def load_weather(
    engine: Engine,
    frame: pd.DataFrame,
    methods: Mapping[str, np.ndarray],
    *,
    run_id: str | None = None,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadResult:
    """Upsert T2's output on (station_id, tm) in one transaction; returns what was written.

    ``methods`` is T2's ``TransformOutput.methods`` (run T2 with
    ``with_methods=True``): one ``FillMethod`` code per row for ``ta`` and
    ``hm``. For observations that did not go through T2, pass
    :func:`observed_methods(frame) <observed_methods>`. Extra frame columns
    (other ASOS fields) are ignored. ``loaded_at`` is the load's UTC time.
    A stored observation is kept against a blank or a fill, and a changed one
    is applied and recorded with ``run_id`` (module docstring); the result
    counts both (``kept``, ``revisions``).
    """
    rows, duplicates = _prepare_load(frame, methods)
    method: LoadMethod = "executemany"
    revisions = kept = 0
    if len(rows):
        with write_transaction(engine) as conn:
            method, revisions, kept = _upsert_fetched(
                conn, rows, run_id=run_id, copy_threshold=copy_threshold, batch_size=batch_size
            )
    return LoadResult(weather_hourly.name, len(rows), duplicates, method, revisions, kept)


#: Output columns of :func:`read_weather_history`: T2's input shape.
HISTORY_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("tm", "kst"),
    ("stnNm", "str"),
    ("ta", "float"),
    ("hm", "float"),
)


def read_weather_history(
    engine: Engine,
    stations: Sequence[str | int],
    start: datetime | pd.Timestamp | str,
    end: datetime | pd.Timestamp | str,
) -> pd.DataFrame:
    """Observed weather of ``stations`` (names or ids) with ``start <= tm < end`` (naive KST).

    Columns ``tm`` (datetime64[ns]), ``stnNm`` (str), ``ta``, ``hm`` (float64),
    T2's input shape, ordered by station id and time. A value whose method is
    not ``observed`` reads as NaN; a row with no observed value is left out.
    """
    names = [s for s in stations if isinstance(s, str)]
    ids = [int(s) for s in stations if not isinstance(s, str)]
    w = weather_hourly
    station_filter = or_(
        w.c.station_id.in_(ids) if ids else false(),
        w.c.station_name.in_(names) if names else false(),
    )
    query = (
        select(
            w.c.tm,
            w.c.station_name,
            case((w.c.ta_method == _OBSERVED, w.c.ta), else_=None).label("ta"),
            case((w.c.hm_method == _OBSERVED, w.c.hm), else_=None).label("hm"),
        )
        .where(
            and_(
                station_filter,
                w.c.tm >= as_naive_kst(start),
                w.c.tm < as_naive_kst(end),
                or_(w.c.ta_method == _OBSERVED, w.c.hm_method == _OBSERVED),
            )
        )
        .order_by(w.c.station_id, w.c.tm)
    )
    rows: Sequence[Sequence[Any]] = []
    if ids or names:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    return frame_from_rows(rows, HISTORY_COLUMNS)


HOURS_PER_DAY = 24


def weather_incomplete_days(
    engine: Engine, stations: Iterable[int], start: date, end: date
) -> dict[int, list[date]]:
    """Per station of ``stations``, the days of ``start..end`` (both inclusive) with < 24 rows stored.

    An hour counts when a row exists for it, whatever its values and methods
    (an unfilled row is stored data: the API answered without a value).
    Stations with every day complete are left out; days are ascending.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    wanted = sorted({int(s) for s in stations})
    if not wanted:
        return {}
    w = weather_hourly
    day = func.date(w.c.tm) if engine.dialect.name == "sqlite" else cast(w.c.tm, Date)
    query = (
        select(w.c.station_id, day.label("day"), func.count(distinct(extract("hour", w.c.tm))))
        .where(
            and_(
                w.c.station_id.in_(wanted),
                w.c.tm >= datetime(start.year, start.month, start.day),
                w.c.tm < datetime(end.year, end.month, end.day) + timedelta(days=1),
            )
        )
        .group_by(w.c.station_id, day)
    )
    with engine.connect() as conn:
        counted = conn.execute(query).all()
    complete = {
        (int(stn), d if isinstance(d, date) else date.fromisoformat(d))
        for stn, d, hours in counted
        if hours >= HOURS_PER_DAY
    }
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    incomplete = {stn: [d for d in days if (stn, d) not in complete] for stn in wanted}
    return {stn: found for stn, found in incomplete.items() if found}


#: Output columns of :func:`read_weather_observed`: T2's input shape plus the station id.
OBSERVED_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("tm", "kst"),
    ("stnId", "int"),
    ("stnNm", "str"),
    ("ta", "float"),
    ("hm", "float"),
)


def read_weather_observed(
    engine: Engine,
    stations: Sequence[int],
    start: datetime | pd.Timestamp | str,
    end: datetime | pd.Timestamp | str,
) -> pd.DataFrame:
    """Every stored row of ``stations`` (ids) with ``start <= tm < end`` (naive KST), as T2 input.

    Columns ``tm`` (datetime64[ns]), ``stnId`` (int64), ``stnNm`` (str),
    ``ta``, ``hm`` (float64), ordered by station id and time. A value whose
    method is not ``observed`` reads as NaN, so T2 sees exactly the observed
    values and fills every other row again. Unlike
    :func:`read_weather_history`, rows without any observed value are kept:
    they are the rows whose fills a caller revises.
    """
    ids = sorted({int(s) for s in stations})
    w = weather_hourly
    query = (
        select(
            w.c.tm,
            w.c.station_id,
            w.c.station_name,
            case((w.c.ta_method == _OBSERVED, w.c.ta), else_=None).label("ta"),
            case((w.c.hm_method == _OBSERVED, w.c.hm), else_=None).label("hm"),
        )
        .where(
            and_(
                w.c.station_id.in_(ids),
                w.c.tm >= as_naive_kst(start),
                w.c.tm < as_naive_kst(end),
            )
        )
        .order_by(w.c.station_id, w.c.tm)
    )
    rows: Sequence[Sequence[Any]] = []
    if ids:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    return frame_from_rows(rows, OBSERVED_COLUMNS)


def weather_stations(
    engine: Engine,
    start: datetime | pd.Timestamp | str,
    end: datetime | pd.Timestamp | str,
) -> list[int]:
    """The ids of the stations with stored rows in ``start <= tm < end`` (naive KST), ascending."""
    w = weather_hourly
    query = (
        select(w.c.station_id)
        .where(and_(w.c.tm >= as_naive_kst(start), w.c.tm < as_naive_kst(end)))
        .distinct()
        .order_by(w.c.station_id)
    )
    with engine.connect() as conn:
        return [int(v) for v in conn.execute(query).scalars()]


def weather_observed_means(
    engine: Engine,
    stations: Sequence[int],
    start: datetime | pd.Timestamp | str,
    end: datetime | pd.Timestamp | str,
) -> dict[str, float]:
    """Per value column, the mean of the stored observed values of ``stations`` in the window.

    T2's last fallback (rule 6: the mean over all stations) for a run that
    imputes one station at a time (``energy reimpute``). A column without any
    observed value has no entry.
    """
    ids = sorted({int(s) for s in stations})
    if not ids:
        return {}
    w = weather_hourly
    window = and_(
        w.c.station_id.in_(ids), w.c.tm >= as_naive_kst(start), w.c.tm < as_naive_kst(end)
    )
    means: dict[str, float] = {}
    with engine.connect() as conn:
        for column in VALUE_COLUMNS:
            observed = and_(window, w.c[f"{column}_method"] == _OBSERVED, w.c[column].is_not(None))
            total, count = conn.execute(
                select(func.sum(w.c[column]), func.count(w.c[column])).where(observed)
            ).one()
            if count:
                means[column] = float(total) / int(count)
    return means


#: A stored fill is rewritten only when its method changes or its value moves by more
#: than this, relative to max(1, |stored|): a few float64 ULPs. A move that small is
#: rounding noise (a re-imputation over a shifted window), not a revision an operator
#: should see; skipping it keeps stored fills within 1e-15 of a fresh computation,
#: far inside the equivalence tolerance (1e-9).
REVISION_TOLERANCE = 1e-15

_FILL_WHAT = "weather fill write (T2 output frame)"
_FILL_COLUMNS: tuple[str, ...] = ("tm", "stnId", *VALUE_COLUMNS)


@dataclass(frozen=True)
class FillWriteResult:
    """What :func:`write_weather_fills` changed."""

    #: Stored rows with at least one fill (value or method) rewritten.
    rows: int
    #: Rewritten (row, column) values; a row whose ``ta`` and ``hm`` both changed counts twice.
    values: int
    #: Per column, the new method labels of the rewritten values and how many.
    methods: dict[str, dict[str, int]]


def _same_fill(old_value: float | None, old_label: str, new_value: float, new_label: str) -> bool:
    if old_label != new_label:
        return False
    old = np.nan if old_value is None else float(old_value)
    if np.isnan(old) or np.isnan(new_value):
        return bool(np.isnan(old) and np.isnan(new_value))
    return abs(old - new_value) <= REVISION_TOLERANCE * max(1.0, abs(old))


def write_fills_in_transaction(
    conn: Connection, frame: pd.DataFrame, methods: Mapping[str, np.ndarray]
) -> FillWriteResult:
    """:func:`write_weather_fills` inside the caller's transaction."""
    require_columns(frame, _FILL_COLUMNS, _FILL_WHAT)
    missing_methods = [c for c in VALUE_COLUMNS if c not in methods]
    if missing_methods:
        raise FrameError(
            f"{_FILL_WHAT}: no method codes for {missing_methods}; run T2 with with_methods=True"
        )
    if not len(frame):
        return FillWriteResult(0, 0, {c: {} for c in VALUE_COLUMNS})
    values = {c: normalize(frame[c], "float", _FILL_WHAT) for c in VALUE_COLUMNS}
    labels = {c: _method_labels(methods[c], values[c], c) for c in VALUE_COLUMNS}
    ids = normalize(frame["stnId"], "int", _FILL_WHAT)
    times = normalize(frame["tm"], "kst", _FILL_WHAT)
    if pd.DataFrame({"s": ids, "t": times}).duplicated().any():
        raise FrameError(
            f"{_FILL_WHAT}: duplicate (stnId, tm) rows; each stored row takes one fill"
        )

    w = weather_hourly
    stored_rows = conn.execute(
        select(w.c.station_id, w.c.tm, w.c.ta, w.c.hm, w.c.ta_method, w.c.hm_method).where(
            and_(
                w.c.station_id.in_(sorted({int(i) for i in ids})),
                w.c.tm >= pd.Timestamp(times.min()).to_pydatetime(),
                w.c.tm <= pd.Timestamp(times.max()).to_pydatetime(),
            )
        )
    ).all()
    stored = {(int(r.station_id), pd.Timestamp(r.tm)): r for r in stored_rows}

    now = utc_now()
    changed_rows: set[tuple[int, pd.Timestamp]] = set()
    written = 0
    by_method: dict[str, dict[str, int]] = {c: {} for c in VALUE_COLUMNS}
    for column in VALUE_COLUMNS:
        params = []
        for i in range(len(frame)):
            key = (int(ids[i]), pd.Timestamp(times[i]))
            row = stored.get(key)
            new_label = str(labels[column][i])
            # Only fills are written: an observed value is never replaced, and a
            # row the frame calls observed is not turned into one by this writer.
            if row is None or new_label == _OBSERVED:
                continue
            old_label = getattr(row, f"{column}_method")
            if old_label == _OBSERVED:
                continue
            new_value = float(values[column][i])
            if _same_fill(getattr(row, column), old_label, new_value, new_label):
                continue
            params.append(
                {
                    "b_station": key[0],
                    "b_tm": key[1].to_pydatetime(),
                    "b_value": None if np.isnan(new_value) else new_value,
                    "b_method": new_label,
                    "b_loaded_at": now,
                }
            )
            changed_rows.add(key)
            by_method[column][new_label] = by_method[column].get(new_label, 0) + 1
        if params:
            statement = (
                update(w)
                .where(
                    and_(
                        w.c.station_id == bindparam("b_station"),
                        w.c.tm == bindparam("b_tm", type_=w.c.tm.type),
                        # Checked again in SQL: the row may have become observed since it was read.
                        w.c[f"{column}_method"] != _OBSERVED,
                    )
                )
                .values(
                    {
                        column: bindparam("b_value"),
                        f"{column}_method": bindparam("b_method"),
                        "loaded_at": bindparam("b_loaded_at", type_=w.c.loaded_at.type),
                    }
                )
            )
            conn.execute(statement, params)
            written += len(params)
    return FillWriteResult(
        len(changed_rows), written, {c: dict(sorted(m.items())) for c, m in by_method.items()}
    )


def write_weather_fills(
    engine: Engine, frame: pd.DataFrame, methods: Mapping[str, np.ndarray]
) -> FillWriteResult:
    """Rewrite the fills of stored rows from T2 output, in one transaction; observed values stay.

    ``frame`` has ``tm``, ``stnId``, ``ta``, ``hm`` (one row per (stnId, tm));
    ``methods`` is T2's per-row ``FillMethod`` codes. For each row and column,
    the stored value and method are replaced when the stored method is not
    ``observed``, the new method is not ``observed`` either, and the fill
    differs (another method, or a value moved by more than
    :data:`REVISION_TOLERANCE`); ``loaded_at`` is then the write's UTC time.
    Rows not stored are skipped: this writer revises, it never inserts.
    """
    with write_transaction(engine) as conn:
        return write_fills_in_transaction(conn, frame, methods)


def load_weather_run(
    engine: Engine,
    frame: pd.DataFrame,
    methods: Mapping[str, np.ndarray],
    fills: pd.DataFrame,
    fill_methods: Mapping[str, np.ndarray],
    *,
    run_id: str | None = None,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> tuple[LoadResult, FillWriteResult]:
    """:func:`load_weather` of ``frame`` and :func:`write_weather_fills` of ``fills``, in ONE transaction.

    The weather flow's store: a run's fetched rows and the revised fills of
    rows stored earlier land together or not at all, so a crash can never leave
    new observations stored next to fills computed without them. The fetched
    rows follow the observation rule of :func:`load_weather`.
    """
    rows, duplicates = _prepare_load(frame, methods)
    method: LoadMethod = "executemany"
    revisions = kept = 0
    with write_transaction(engine) as conn:
        if len(rows):
            method, revisions, kept = _upsert_fetched(
                conn, rows, run_id=run_id, copy_threshold=copy_threshold, batch_size=batch_size
            )
        fills_written = write_fills_in_transaction(conn, fills, fill_methods)
    return LoadResult(
        weather_hourly.name, len(rows), duplicates, method, revisions, kept
    ), fills_written
