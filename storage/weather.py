"""Weather: loading T2 output with per-value provenance, and reading observations back.

Each stored ``ta``/``hm`` carries the :class:`~registry.contracts.FillMethod`
label that produced it. :func:`read_weather_history` returns observed values
only, so a fill written by one run never becomes climatology evidence for the
next (T2 rule 6 counts history rows as observations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, false, or_, select

from registry.contracts import FillMethod
from storage.engine import write_transaction
from storage.errors import FrameError
from storage.frames import (
    PreparedRows,
    as_naive_kst,
    frame_from_rows,
    instant_column,
    normalize,
    require_columns,
)
from storage.instants import utc_now
from storage.schema import FILL_METHOD_LABELS, weather_hourly
from storage.upsert import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COPY_THRESHOLD,
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


def observed_methods(frame: pd.DataFrame, columns: Sequence[str] = VALUE_COLUMNS) -> dict[str, np.ndarray]:
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
    return np.asarray(FILL_METHOD_LABELS, dtype=object)[array]


def load_weather(
    engine: Engine,
    frame: pd.DataFrame,
    methods: Mapping[str, np.ndarray],
    *,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadResult:
    """Upsert T2's output on (station_id, tm) in one transaction; returns what was written.

    ``methods`` is T2's ``TransformOutput.methods`` (run T2 with
    ``with_methods=True``): one ``FillMethod`` code per row for ``ta`` and
    ``hm``. For observations that did not go through T2, pass
    :func:`observed_methods(frame) <observed_methods>`. Extra frame columns
    (other ASOS fields) are ignored. ``loaded_at`` is the load's UTC time.
    """
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
    method = "executemany"
    if len(rows):
        with write_transaction(engine) as conn:
            method = upsert_in_transaction(
                conn,
                weather_hourly,
                WEATHER_KEYS,
                rows,
                copy_threshold=copy_threshold,
                batch_size=batch_size,
            )
    return LoadResult(weather_hourly.name, len(rows), int((~keep).sum()), method)


#: Output columns of :func:`read_weather_history`: T2's input shape.
HISTORY_COLUMNS = (("tm", "kst"), ("stnNm", "str"), ("ta", "float"), ("hm", "float"))


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
    rows = []
    if ids or names:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    return frame_from_rows(rows, HISTORY_COLUMNS)
