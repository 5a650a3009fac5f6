"""T2 glue: the frame's columns as they are into one native call, the output frame out.

Rust (``energy_transforms::impute_frame``) parses the times, factorises the
stations, coerces the values, validates, sorts, runs the kernel and counts
the report, with the GIL released and the python backend's rules and error
messages. This module only:

* runs the checks that must come before any column is read, with the python
  reference's own functions: the ``[limits] max_columns`` check, the options,
  and the frame's missing columns (their messages are the reference's by
  construction);
* hands each column over as it is: datetime64[ns] as int64 nanoseconds,
  strings as the object array itself (Rust borrows each ``str``'s UTF-8),
  float64 as the buffer. A column of any other dtype is read by the python
  reference here; if that raised, its message goes to Rust, which raises it
  where python would, so the first error reported is the same;
* parses with the python reference's per-value path (:func:`parse_one_time`)
  the time strings Rust does not recognise (Rust returns their rows), so the
  accepted inputs and their values never differ from python's;
* builds the output frame and the report dict from Rust's compact counts
  (measured cheaper than building the dicts in Rust: a few hundred stations'
  dicts against one small array per column).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from backend_harness import limits as limits_module
from backend_harness.imputation import (
    as_float,
    check_options,
    kst_naive_ns,
    parse_one_time,
    require_columns,
    station_codes,
    with_filled_columns,
)
from energy_rust_backend.errors import native_errors
from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from registry.contracts import FillMethod, ImputeOptions, TransformOutput

SOURCE = "impute_missing_values"

#: 1989-01-01T00:00Z in ns: from here on Asia/Seoul is a fixed UTC+9 (Rust adds
#: 9 h); earlier tz-aware times go through pandas' time-zone database.
FIXED_KST_SINCE_UTC_NS = 599_616_000 * 1_000_000_000
_NAT = np.iinfo(np.int64).min
#: Unrecognised time strings parsed one by one at most; past it, the whole column
#: is read by the reference (see :func:`_resolved_times`).
MAX_ROWS_PARSED_ONE_BY_ONE = 1_000
_N_METHODS = len(FillMethod)

Spec = tuple[Any, ...]


def _text(column: pd.Series) -> Any:
    """The column as Rust reads text, or None if it is not a column of strings.

    An Arrow-backed string column (pandas' default ``str`` storage when
    pyarrow is installed) is handed over as its chunks' buffers, read in
    place: ``("arrow", [(offsets, data, validity, offset, length)...],
    repr(missing value))``. Any other string column is handed over as its
    numpy object array of ``str`` (Rust borrows each one's UTF-8).
    """
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        if dtype.storage == "pyarrow":
            chunks = _arrow_chunks(column)
            if chunks is not None:
                return ("arrow", chunks, repr(dtype.na_value))
        items = column.to_numpy(dtype=object)
    elif dtype == np.dtype(object) and infer_dtype(column, skipna=True) in ("string", "empty"):
        items = column.to_numpy()
    else:
        return None
    # Rust reads the buffer in place; only a strided view (a column of a
    # transposed block) is copied, and then only its pointers.
    return np.ascontiguousarray(items)


def _arrow_chunks(column: pd.Series) -> list[tuple[Any, ...]] | None:
    """The buffers of each chunk of an Arrow ``string``/``large_string`` column (no copy)."""
    import pyarrow as pa  # present whenever a column has pyarrow storage

    array = column.array.__arrow_array__()
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    out = []
    for chunk in chunks:
        width: type[np.signedinteger[Any]]
        if chunk.type == pa.large_string():
            width = np.int64
        elif chunk.type == pa.string():
            width = np.int32
        else:  # e.g. string_view: read as Python objects instead
            return None
        validity, offsets, data = chunk.buffers()
        out.append(
            (
                np.frombuffer(offsets, dtype=width),
                np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8),
                None if validity is None else np.frombuffer(validity, dtype=np.uint8),
                chunk.offset,
                len(chunk),
            )
        )
    return out


def _failed(exc: TransformInputError) -> Spec:
    return ("failed", str(exc))


def _time_spec(column: pd.Series, what: str, time_col: Any) -> Spec:
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) and dtype.unit == "ns":
        utc = np.ascontiguousarray(column.array.asi8)
        known = utc[utc != _NAT]
        if not len(known) or known.min() >= FIXED_KST_SINCE_UTC_NS:
            return ("utc_ns", utc)
    elif dtype == np.dtype("datetime64[ns]"):
        return ("kst_ns", np.ascontiguousarray(column.to_numpy().view(np.int64)))
    else:
        text = _text(column)
        if text is not None:
            return ("text", text, None)
    try:  # other dtypes (other units, datetime objects, numbers): the reference reads them
        return ("kst_ns", kst_naive_ns(column, what, time_col))
    except TransformInputError as exc:
        return _failed(exc)


def _resolved_times(spec: Spec, column: pd.Series, rows: np.ndarray, what: str, name: Any) -> Spec:
    """``spec`` with the rows Rust did not recognise parsed as python parses them one by one.

    A column mostly in a form Rust does not parse (say ``2024/01/31 13:00``
    throughout) would make that a ``pd.Timestamp`` call per row; past
    :data:`MAX_ROWS_PARSED_ONE_BY_ONE` rows the whole column goes through the
    reference's own reader instead (one inferred format, vectorised), which
    is the python backend's result by construction.
    """
    if len(rows) > MAX_ROWS_PARSED_ONE_BY_ONE:
        try:
            return ("kst_ns", kst_naive_ns(column, what, name))
        except TransformInputError as exc:
            return _failed(exc)
    retried = [parse_one_time(column.iloc[i]) for i in rows.tolist()]
    ns = np.array(
        [
            np.datetime64("NaT", "ns") if t is None else t.as_unit("ns").to_datetime64()
            for t in retried
        ],
        dtype="datetime64[ns]",
    ).view(np.int64)
    return ("text", spec[1], (rows, ns))


def _value_spec(column: pd.Series, what: str, name: Any) -> Spec:
    if column.dtype == np.float64:
        return ("floats", np.ascontiguousarray(column.to_numpy()))
    text = _text(column)
    if text is not None:
        return ("text", text)
    try:  # ints, bools, nullable and mixed object columns: the reference converts them
        return ("floats", np.ascontiguousarray(as_float(column, what, name), dtype=np.float64))
    except TransformInputError as exc:
        return _failed(exc)


def _python_stations(column: pd.Series, what: str, name: Any) -> tuple[Spec, pd.Index | None]:
    """Codes and station values by the python reference, for non-text station columns."""
    try:
        codes, uniques = station_codes(column, what, name)
    except TransformInputError as exc:
        return _failed(exc), None
    _, first = np.unique(codes, return_index=True)
    reprs = [repr(column.iloc[i]) for i in first.tolist()]
    return ("codes", np.ascontiguousarray(codes, dtype=np.int64), reprs), uniques


def _history_groups(column: pd.Series, name: Any, stations: pd.Index | None) -> Spec:
    try:
        codes, hist_stations = station_codes(column, "history", name)
    except TransformInputError as exc:
        return _failed(exc)
    if stations is None:  # the frame's stations failed: Rust raises that first
        return ("groups", np.full(len(column), -1, dtype=np.int64))
    group_of_code = (
        stations.get_indexer(hist_stations) if len(stations) else np.full(len(hist_stations), -1)
    )
    return ("groups", np.asarray(group_of_code, dtype=np.int64)[codes])


def _names(name: Any) -> tuple[str, str]:
    return (repr(name), str(name))


def _report(labels: list[str], result: tuple[np.ndarray, ...]) -> dict[str, dict[str, Any]]:
    """``build_report``'s dict for one column from Rust's counts."""
    _, _, gap_group, gap_length, gap_count, method_counts = result
    per_method = method_counts.reshape(len(labels), _N_METHODS).tolist()
    stations: dict[str, dict[str, Any]] = {
        label: {
            "gaps_by_length": {},
            "methods": {
                FillMethod(code).label: counts[code]
                for code in range(FillMethod.SPLINE, FillMethod.UNFILLED)
                if counts[code]
            },
            "unfilled": counts[FillMethod.UNFILLED],
        }
        for label, counts in zip(labels, per_method, strict=True)
    }
    for k, length, count in zip(
        gap_group.tolist(), gap_length.tolist(), gap_count.tolist(), strict=True
    ):
        stations[labels[k]]["gaps_by_length"][length] = count
    return stations


def impute_missing_values(
    native: ModuleType,
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    limits: LimitSettings | None = None,
    threads: int = 0,
) -> TransformOutput:
    bounds = limits_module.resolve(limits)
    for what, given in (("frame", frame), ("history", history)):
        if isinstance(given, pd.DataFrame):
            limits_module.check_columns(given, bounds, what)
    columns = check_options(options)
    time_col, station_col = options.time_col, options.station_col
    require_columns(frame, [time_col, station_col, *columns], "frame")

    has_history = history is not None and not (
        isinstance(history, pd.DataFrame) and len(history) == 0
    )
    history_refused: str | None = None
    if has_history:
        try:
            require_columns(history, [time_col, station_col, *columns], "history")  # type: ignore[arg-type]
        except TransformInputError as exc:
            history_refused = str(exc)
    read_history = has_history and history_refused is None
    assert history is not None or not read_history

    frame_station_text = _text(frame[station_col])
    history_station_text = _text(history[station_col]) if read_history else None  # type: ignore[index]
    rust_stations = frame_station_text is not None and (
        not read_history or history_station_text is not None
    )
    frame_stations: Spec
    uniques: pd.Index | None = None
    if rust_stations:
        frame_stations = ("text", frame_station_text)
    else:
        frame_stations, uniques = _python_stations(frame[station_col], "frame", station_col)

    frame_spec: list[Any] = [
        _time_spec(frame[time_col], "frame", time_col),
        frame_stations,
        [_value_spec(frame[c], "frame", c) for c in columns],
    ]
    history_spec: Any = history_refused
    if read_history:
        hist: pd.DataFrame = history  # type: ignore[assignment]
        history_spec = [
            _time_spec(hist[time_col], "history", time_col),
            ("text", history_station_text)
            if rust_stations
            else _history_groups(hist[station_col], station_col, uniques),
            [_value_spec(hist[c], "history", c) for c in columns],
        ]

    def call() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[np.ndarray, ...]]]:
        with native_errors(native, SOURCE):
            return native.impute_frame(  # type: ignore[no-any-return]
                tuple(frame_spec),
                tuple(history_spec) if isinstance(history_spec, list) else history_spec,
                _names(time_col),
                _names(station_col),
                [_names(c) for c in columns],
                int(options.max_spline_gap),
                threads,
            )

    need_frame, need_history, first_rows, results = call()
    if len(need_frame) or len(need_history):
        # Rust could not read some time strings: python's per-value path reads
        # exactly those, and the call is repeated with them known.
        if len(need_frame):
            frame_spec[0] = _resolved_times(
                frame_spec[0], frame[time_col], need_frame, "frame", time_col
            )
        if len(need_history):
            history_spec[0] = _resolved_times(
                history_spec[0],
                history[time_col],  # type: ignore[index]
                need_history,
                "history",
                time_col,
            )
        need_frame, need_history, first_rows, results = call()

    if rust_stations:
        labels = [str(s) for s in frame[station_col].iloc[first_rows].tolist()]
    else:
        labels = [str(s) for s in uniques]  # type: ignore[union-attr]
    filled = {c: r[0] for c, r in zip(columns, results, strict=True)}
    report = {c: _report(labels, r) for c, r in zip(columns, results, strict=True)}
    return TransformOutput(
        frame=with_filled_columns(frame, filled),
        report=report,
        methods={c: r[1] for c, r in zip(columns, results, strict=True)}
        if options.with_methods
        else None,
    )
