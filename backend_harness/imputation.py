"""T2's harness, shared by every backend: validation, time parsing and assembly around a kernel.

T2 is split in three so that a backend can validate, parse and assemble
exactly as the reference does and bring only its numeric core:

1. :func:`prepare` checks the input and turns the frame (and the optional
   history frame) into sorted numpy arrays (:class:`PreparedImpute`);
2. a kernel fills one value column given as a
   :class:`~backend_harness.kernel_input.KernelInput`: the python one is
   ``plugins.python_backend.imputation_kernel.impute_kernel``, the rust
   backend brings its own;
3. :func:`assemble` puts the results back in input order and builds the report.

:func:`impute_with_kernel` chains the three for any kernel; the python hook is
``impute_with_kernel(..., impute_kernel)``. The rust backend does steps 1
and 3 in Rust too (``energy_rust_backend.imputation``, one native call on
the raw columns) and uses this module only as the reference for what Rust
does not read itself: the checks made before any column is read (so their
messages are the same by construction), time strings outside the forms Rust
parses, and columns of unusual dtypes. The rules themselves are in the
hook spec (:func:`registry.hookspecs.impute_missing_values`) and
``docs/contracts/transforms.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import structlog
from pandas.tseries.api import guess_datetime_format

from backend_harness import limits as limits_module
from backend_harness.gaps import find_gaps
from backend_harness.kernel_input import Kernel, KernelInput
from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from registry.contracts import FillMethod, ImputeOptions, TransformOutput

log = structlog.get_logger(__name__)

#: Korean wall-clock time zone; naive timestamps are read as KST.
KST = "Asia/Seoul"

#: How many offending row positions an error message lists before "...".
MAX_ROWS_IN_MESSAGE = 10

_NS_PER_SECOND = 1_000_000_000


@dataclass(frozen=True)
class PreparedImpute:
    """The validated input of T2 as read-only arrays in sorted (station, time) order.

    Sorted row ``i`` is input row ``order[i]``; the rows of station group
    ``k`` (named ``stations[k]``) are ``group_starts[k]:group_starts[k + 1]``,
    in ascending time. Groups are numbered in the order the stations first
    appear in the input, so input already grouped by station and ascending in
    time (as the portal delivers it) needs no reordering: ``order`` is then
    ``0..n-1`` and the value arrays are read-only views of the frame's columns.
    History arrays have one entry per history row, in history order.
    """

    #: int64[n]: the input row position of each sorted row.
    order: np.ndarray
    #: float64[n]: hours since 1970-01-01 00:00 of the KST wall-clock time.
    x: np.ndarray
    #: int64[g + 1]: station group boundaries in the sorted rows.
    group_starts: np.ndarray
    #: The station value of each group, as found in the input.
    stations: tuple[Any, ...]
    #: int64[n]: ``month * 10000 + day * 100 + hour`` of the KST time.
    clim_key: np.ndarray
    #: Per value column, float64[n]; NaN is missing.
    values: Mapping[str, np.ndarray]
    #: int64[h]: group index of each history row's station, -1 if not in the input.
    hist_group: np.ndarray
    #: int64[h]: ``clim_key`` of each history row.
    hist_key: np.ndarray
    #: Per value column, float64[h].
    hist_values: Mapping[str, np.ndarray]

    @property
    def n_rows(self) -> int:
        return len(self.order)

    @property
    def n_groups(self) -> int:
        return len(self.group_starts) - 1

    def kernel_input(self, column: str, max_spline_gap: int) -> KernelInput:
        """What a kernel gets to fill ``column``."""
        return KernelInput(
            x=self.x,
            group_starts=self.group_starts,
            values=self.values[column],
            clim_key=self.clim_key,
            hist_group=self.hist_group,
            hist_key=self.hist_key,
            hist_values=self.hist_values[column],
            max_spline_gap=int(max_spline_gap),
        )

    @property
    def station_labels(self) -> list[str]:
        """The station names as the report keys them."""
        return [str(s) for s in self.stations]


# --------------------------------------------------------------------------- errors


def _rows_text(positions: Sequence[int] | np.ndarray) -> str:
    shown = [int(p) for p in positions[:MAX_ROWS_IN_MESSAGE]]
    more = len(positions) - len(shown)
    suffix = f" and {more} more" if more > 0 else ""
    return f"{shown}{suffix}"


def check_options(options: ImputeOptions) -> tuple[str, ...]:
    columns = options.columns
    if isinstance(columns, str):
        raise TransformInputError(
            f"options.columns must be a sequence of column names, got the string {columns!r}; "
            f"write columns=({columns!r},)"
        )
    columns = tuple(columns)
    gap = options.max_spline_gap
    if isinstance(gap, bool) or not isinstance(gap, (int, np.integer)) or gap < 0:
        raise TransformInputError(
            f"options.max_spline_gap must be an integer >= 0, got {gap!r}; the default is 3"
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise TransformInputError(
            f"options.columns names {duplicated} more than once; list each once"
        )
    for key in (options.time_col, options.station_col):
        if key in columns:
            raise TransformInputError(
                f"column {key!r} is the time or station column and cannot also be a value "
                f"column; remove it from options.columns"
            )
    if options.time_col == options.station_col:
        raise TransformInputError(
            f"options.time_col and options.station_col are both {options.time_col!r}; "
            f"they must name two different columns"
        )
    return columns


def require_columns(frame: pd.DataFrame, names: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TransformInputError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    present = list(frame.columns)
    for name in names:
        count = present.count(name)
        if count == 0:
            raise TransformInputError(
                f"{what} has no column {name!r} (columns: {present}); rename the column or set "
                f"the matching option (time_col, station_col, columns)"
            )
        if count > 1:
            raise TransformInputError(
                f"{what} has {count} columns named {name!r}; give each column a unique name"
            )


# --------------------------------------------------------------------------- times


def parse_one_time(value: Any) -> pd.Timestamp | None:
    """Slow path for a single time the vectorised parse could not read."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(stamp):  # pd.Timestamp("NaT") returns pd.NaT
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(KST).tz_localize(None)
    return stamp


def kst_naive_ns(column: pd.Series, what: str, time_col: str) -> np.ndarray:
    """The column's times as int64 nanoseconds of the KST wall clock (naive).

    Strings are parsed with one inferred format first; only the values that
    format cannot read are parsed one by one (e.g. a mix of formats or of UTC
    offsets), so a well-formed column never takes the slow path.
    """
    dtype = column.dtype
    parsed: pd.Series
    if isinstance(dtype, pd.DatetimeTZDtype):
        parsed = column.dt.tz_convert(KST).dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(dtype):
        parsed = column
    elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        if not column.notna().any():  # empty or all-NaN: nothing numeric to object to
            return kst_naive_ns(column.astype(object), what, time_col)
        raise TransformInputError(
            f"{what} time column {time_col!r} holds numbers ({dtype}); give datetime64 values "
            f"or strings like '2024-01-31 13:00'"
        )
    else:
        parsed = _parse_time_strings(column)
    try:
        stamps = parsed.to_numpy()  # a view of the column when it is already datetime64[ns]
        if stamps.dtype != np.dtype("datetime64[ns]"):
            stamps = stamps.astype("datetime64[ns]")
        ns = stamps.view(np.int64)
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as exc:
        raise TransformInputError(
            f"{what} time column {time_col!r} has times outside 1677-2262: {exc}"
        ) from exc
    bad = np.flatnonzero(ns == np.iinfo(np.int64).min)  # NaT
    if len(bad):
        raise TransformInputError(
            f"{what} time column {time_col!r} has missing or unparseable times at rows "
            f"{_rows_text(bad)} (0-based positions), e.g. {column.iloc[bad[0]]!r}; write them "
            f"like '2024-01-31 13:00' or drop those rows"
        )
    return ns


def _parse_time_strings(column: pd.Series) -> pd.Series:
    parsed = _parse_with_one_format(column)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert(KST).dt.tz_localize(None)
    parsed = parsed.astype("datetime64[ns]")
    unread = np.flatnonzero(parsed.isna().to_numpy() & column.notna().to_numpy())
    if len(unread):
        # Worth knowing in production: a column in one consistent format never gets here.
        log.debug("impute.times_parsed_one_by_one", rows=len(unread), of=len(column))
        retried = [parse_one_time(column.iloc[i]) for i in unread]
        fixed = parsed.to_numpy(copy=True)
        fixed[unread] = np.array(
            [
                np.datetime64("NaT", "ns") if t is None else t.as_unit("ns").to_datetime64()
                for t in retried
            ],
            dtype="datetime64[ns]",
        )
        parsed = pd.Series(fixed, index=column.index)
    return parsed


def _parse_with_one_format(column: pd.Series) -> pd.Series:
    """Parse with the format of the first string (fast); what does not fit becomes NaT.

    The format is guessed here rather than by ``pd.to_datetime`` so that an
    unguessable first value sends the column to the per-value path instead of
    pandas' own per-value fallback and its warning.
    """
    not_parsed = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns]")
    present = column.dropna()
    if present.empty:
        return not_parsed
    first = next(
        (v for v in present.iloc[:100] if not (isinstance(v, str) and not v.strip())), None
    )
    if first is None:
        return not_parsed
    if not isinstance(first, str):  # e.g. datetime objects in an object column
        try:
            # No utc=True here: it would read naive values as UTC, not KST.
            return pd.to_datetime(column, errors="coerce")
        except (ValueError, TypeError):  # mixed offsets: per-value path
            return not_parsed
    fmt = guess_datetime_format(first)
    if fmt is None:
        return not_parsed
    try:
        # With an offset in the format, utc=True lets rows with different
        # offsets parse in one pass; the caller converts to KST.
        return pd.to_datetime(column, format=fmt, errors="coerce", utc="%z" in fmt)
    except (ValueError, TypeError):
        return not_parsed


def _clim_key(ns: np.ndarray) -> np.ndarray:
    """``month * 10000 + day * 100 + hour`` of naive times given as int64 ns."""
    if len(ns) == 0:
        return np.zeros(0, dtype=np.int64)
    hour = ns // (3600 * _NS_PER_SECOND)  # hours since the epoch, made hour of day below
    days = hour // 24
    hour -= days * 24
    # Calendar arithmetic is the slow part; hourly rows in time order repeat
    # each day ~24 times, so do it once per run of equal days.
    heads = np.flatnonzero(np.concatenate(([True], days[1:] != days[:-1])))
    day_stamps = days[heads].astype("datetime64[D]")
    del days
    months = day_stamps.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day = (day_stamps - months.astype("datetime64[D]")).astype(np.int64) + 1
    run_lengths = np.diff(np.append(heads, len(ns)))
    key = np.repeat(month * 10000 + day * 100, run_lengths)
    key += hour
    return key


def _hours_since_epoch(ns: np.ndarray) -> np.ndarray:
    # Whole seconds and the rest separately: ns since the epoch exceed
    # float64's 53-bit mantissa, whole seconds do not.
    seconds, rest = np.divmod(ns, _NS_PER_SECOND)
    hours = seconds.astype(np.float64)
    del seconds
    hours /= 3600.0
    if rest.any():
        hours += rest / (3600.0 * _NS_PER_SECOND)
    return hours


# --------------------------------------------------------------------------- stations, values


def _empty_station_rows(codes: np.ndarray, uniques: pd.Index) -> np.ndarray:
    blank = [i for i, s in enumerate(uniques) if isinstance(s, str) and not s.strip()]
    return np.flatnonzero((codes < 0) | np.isin(codes, blank))


def station_codes(column: pd.Series, what: str, station_col: str) -> tuple[np.ndarray, pd.Index]:
    """Integer code per row (by first appearance) and the station values, validated."""
    codes, uniques = _factorize_stations(column)
    bad = _empty_station_rows(codes, uniques)
    if len(bad):
        raise TransformInputError(
            f"{what} station column {station_col!r} is empty at rows {_rows_text(bad)} "
            f"(0-based positions); fill in the station name or drop those rows"
        )
    labels = [str(s) for s in uniques]
    if len(set(labels)) != len(labels):
        raise TransformInputError(
            f"{what} station column {station_col!r} has distinct values that read the same as "
            f"text (e.g. 108 and '108'); give the column one type"
        )
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _factorize_stations(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize``: codes numbered in order of first appearance, fast for grouped rows.

    Stations usually come in long runs (one portal page per station), so
    hashing only the first value of each run is many times cheaper than
    hashing every row; the result is the same either way.
    """
    raw = column.to_numpy()
    if len(raw) == 0:
        return np.zeros(0, dtype=np.int64), pd.Index([])
    try:
        heads = np.flatnonzero(np.concatenate(([True], raw[1:] != raw[:-1])))
    except (TypeError, ValueError):  # e.g. pd.NA, whose comparisons have no truth value
        heads = np.arange(len(raw))
    head_codes, uniques = pd.factorize(raw[heads])
    return np.repeat(head_codes, np.diff(np.append(heads, len(raw)))), pd.Index(uniques)


def _reject_control_characters(column: pd.Series, what: str, name: str) -> None:
    """Rule 2's exception: a string value holding a control character is corrupted, not a gap."""
    values = column.to_numpy(dtype=object)
    if limits_module.first_control_character(values) is None:
        return
    rows = np.flatnonzero(
        np.fromiter(
            (limits_module.control_character(v) is not None for v in values), bool, len(values)
        )
    )
    raise TransformInputError(
        f"{what} value column {name!r} holds control characters at rows {_rows_text(rows)} "
        f"(0-based positions), e.g. {values[rows[0]]!r}; a corrupted value is an input error, "
        f"not a gap (a gap is an empty cell or NaN)"
    )


def as_float(column: pd.Series, what: str, name: str) -> np.ndarray:
    """The column as float64, empty strings and non-numbers becoming NaN (rule 2).

    A string holding a C0 control character once surrounding whitespace is
    stripped (``5\x002``) raises ``TransformInputError`` naming the rows.
    """
    if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(column.dtype):
        _reject_control_characters(column, what, name)
        column = pd.to_numeric(column, errors="coerce")
    if column.dtype == np.float64:
        values = column.to_numpy()  # a view; asking for na_value would copy
    else:  # ints, float32, nullable Float64/Int64 with pd.NA
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.flatnonzero(np.isinf(values))
    if len(infinite):
        raise TransformInputError(
            f"{what} value column {name!r} is infinite at rows {_rows_text(infinite)} "
            f"(0-based positions); replace those values with NaN or finite numbers"
        )
    return values


def _read_only(array: np.ndarray) -> np.ndarray:
    # The arrays may share memory with the caller's frame; read-only makes
    # any backend that tries to write into them fail loudly instead.
    array = array.view()
    array.flags.writeable = False
    return array


# --------------------------------------------------------------------------- prepare


def prepare(
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None = None,
    limits: LimitSettings | None = None,
) -> PreparedImpute:
    """Validate T2's input and turn it into sorted arrays for a kernel (rules 1-2).

    Raises ``TransformInputError`` naming the column for a missing time,
    station or value column, and naming the 0-based row positions for
    unparseable times, empty station values, value strings holding a control
    character and duplicate (station, time) pairs. ``history`` gets the same
    checks except the duplicate one. First of all, a frame or history with
    more than ``limits.max_columns`` columns is refused.
    """
    bounds = limits_module.resolve(limits)
    for what, given in (("frame", frame), ("history", history)):
        if isinstance(given, pd.DataFrame):
            limits_module.check_columns(given, bounds, what)
    columns = check_options(options)
    time_col, station_col = options.time_col, options.station_col
    require_columns(frame, [time_col, station_col, *columns], "frame")

    ns = kst_naive_ns(frame[time_col], "frame", time_col)
    codes, stations = station_codes(frame[station_col], "frame", station_col)
    order, in_order = _sort_order(codes, ns)
    # Input already in (station, time) order is common (portal pages come
    # per station); then the sorted arrays are the input arrays, not copies.
    sorted_codes = codes if in_order else codes[order]
    sorted_ns = ns if in_order else ns[order]
    del codes, ns
    _reject_duplicates(frame, options, order, sorted_codes, sorted_ns)

    boundaries = np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1
    group_starts = np.concatenate(([0], boundaries, [len(order)])).astype(np.int64)
    if len(order) == 0:
        group_starts = np.zeros(1, dtype=np.int64)
    del sorted_codes

    values = {}
    for c in columns:
        column_values = as_float(frame[c], "frame", c)
        values[c] = _read_only(column_values if in_order else column_values[order])
    x = _hours_since_epoch(sorted_ns)
    clim_key = _clim_key(sorted_ns)
    del sorted_ns
    hist_group, hist_key, hist_values = _prepare_history(history, options, columns, stations)
    return PreparedImpute(
        order=_read_only(order),
        x=_read_only(x),
        group_starts=_read_only(group_starts),
        # Codes are dense and groups follow code order, so group k is station k.
        stations=tuple(stations),
        clim_key=_read_only(clim_key),
        values=values,
        hist_group=_read_only(hist_group),
        hist_key=_read_only(hist_key),
        hist_values=hist_values,
    )


def _sort_order(codes: np.ndarray, ns: np.ndarray) -> tuple[np.ndarray, bool]:
    """Stable order of rows by (station code, time), and whether that is the input order."""
    identity = np.arange(len(codes), dtype=np.int64)
    if len(codes) < 2:
        return identity, True
    same_station = codes[1:] == codes[:-1]
    if np.all((codes[1:] > codes[:-1]) | (same_station & (ns[1:] >= ns[:-1]))):
        return identity, True
    return np.lexsort((ns, codes)).astype(np.int64, copy=False), False


def _reject_duplicates(
    frame: pd.DataFrame,
    options: ImputeOptions,
    order: np.ndarray,
    sorted_codes: np.ndarray,
    sorted_ns: np.ndarray,
) -> None:
    same = np.flatnonzero(
        (sorted_codes[1:] == sorted_codes[:-1]) & (sorted_ns[1:] == sorted_ns[:-1])
    )
    if not len(same):
        return
    rows = np.unique(np.concatenate([order[same], order[same + 1]]))
    first, second = sorted((int(order[same[0]]), int(order[same[0] + 1])))
    station = frame[options.station_col].iloc[first]
    when = pd.Timestamp(sorted_ns[same[0]])
    raise TransformInputError(
        f"frame has duplicate ({options.station_col}, {options.time_col}) pairs at rows "
        f"{_rows_text(rows)} (0-based positions), e.g. station {station!r} at {when} (KST) in "
        f"rows {first} and {second}; keep one row per station and time"
    )


def _prepare_history(
    history: pd.DataFrame | None,
    options: ImputeOptions,
    columns: tuple[str, ...],
    stations: pd.Index,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    if history is None or (isinstance(history, pd.DataFrame) and len(history) == 0):
        empty_int = np.zeros(0, dtype=np.int64)
        return empty_int, empty_int, {c: _read_only(np.zeros(0)) for c in columns}
    require_columns(history, [options.time_col, options.station_col, *columns], "history")
    ns = kst_naive_ns(history[options.time_col], "history", options.time_col)
    codes, hist_stations = station_codes(
        history[options.station_col], "history", options.station_col
    )
    # Map history station codes onto the input's groups; -1 = not an input station.
    group_of_code = (
        stations.get_indexer(hist_stations) if len(stations) else np.full(len(hist_stations), -1)
    )
    hist_group = np.asarray(group_of_code, dtype=np.int64)[codes]
    values = {c: _read_only(as_float(history[c], "history", c)) for c in columns}
    return hist_group, _clim_key(ns), values


# --------------------------------------------------------------------------- assemble


def _check_kernel_output(
    column: str, filled: np.ndarray, methods: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    filled = np.asarray(filled, dtype=np.float64)
    methods = np.asarray(methods)
    if filled.shape != (n,) or methods.shape != (n,):
        raise ValueError(
            f"kernel output for column {column!r} has shapes {filled.shape} and {methods.shape}, "
            f"expected ({n},) for both"
        )
    if n and (methods.min() < FillMethod.OBSERVED or methods.max() > FillMethod.UNFILLED):
        raise ValueError(f"kernel output for column {column!r} has method codes outside 0..7")
    return filled, methods.astype(np.int8, copy=False)


def build_report(
    prepared: PreparedImpute, methods_by_col: Mapping[str, np.ndarray]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per column and station: gaps by length, rows per fill method, rows unfilled.

    ``methods_by_col`` holds sorted-order codes. Every station appears for
    every column; ``gaps_by_length`` maps a gap length (int) to its count,
    ascending; ``methods`` lists only methods that filled at least one row.
    """
    labels = prepared.station_labels
    g = prepared.n_groups
    n_codes = len(FillMethod)
    report: dict[str, dict[str, dict[str, Any]]] = {}
    for column, codes in methods_by_col.items():
        gaps = find_gaps(prepared.values[column], prepared.group_starts)
        pairs, counts = np.unique(np.stack([gaps.group, gaps.lengths]), axis=1, return_counts=True)
        # Only gap rows carry a code other than "observed"; count just those.
        gap_rows = np.flatnonzero(codes)
        gap_group = np.searchsorted(prepared.group_starts, gap_rows, side="right") - 1
        per_method = np.bincount(
            gap_group * n_codes + codes[gap_rows], minlength=g * n_codes
        ).reshape(g, n_codes)
        stations: dict[str, dict[str, Any]] = {
            label: {
                "gaps_by_length": {},
                "methods": {
                    FillMethod(code).label: int(per_method[k, code])
                    for code in range(FillMethod.SPLINE, FillMethod.UNFILLED)
                    if per_method[k, code]
                },
                "unfilled": int(per_method[k, FillMethod.UNFILLED]),
            }
            for k, label in enumerate(labels)
        }
        for (k, length), count in zip(pairs.T.tolist(), counts.tolist(), strict=True):
            stations[labels[k]]["gaps_by_length"][length] = count
        report[column] = stations
    return report


def with_filled_columns(frame: pd.DataFrame, filled: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """T2's output frame: ``frame``'s index, columns and order, the ``filled`` arrays in place.

    Built from the input's columns as Series (copy-on-write: shared until
    someone writes, and a write never reaches the input) and the new arrays
    (not copied again, unlike column assignment). Every backend's output
    frame is built here, so they cannot differ in layout.
    """
    parts = {
        i: filled[name] if name in filled else frame.iloc[:, i]
        for i, name in enumerate(frame.columns)
    }
    out = pd.DataFrame(parts, copy=False)
    out.columns = frame.columns
    return out


def assemble(
    frame: pd.DataFrame,
    prepared: PreparedImpute,
    filled_by_col: Mapping[str, np.ndarray],
    methods_by_col: Mapping[str, np.ndarray],
    options: ImputeOptions,
) -> TransformOutput:
    """Scatter the kernel's sorted results back into a new frame in input order (rule 7).

    The output has the input's index and column order; each imputed column
    is float64, every other column is untouched. ``methods`` (input row
    order, int8) is attached only if ``options.with_methods``.
    """
    columns = tuple(options.columns)
    n = prepared.n_rows
    checked = {c: _check_kernel_output(c, filled_by_col[c], methods_by_col[c], n) for c in columns}
    filled_in_input_order: dict[str, np.ndarray] = {}
    methods_in_input_order: dict[str, np.ndarray] = {}
    for column, (filled, codes) in checked.items():
        unsorted = np.empty(n, dtype=np.float64)
        unsorted[prepared.order] = filled
        filled_in_input_order[column] = unsorted
        if options.with_methods:
            input_codes = np.empty(n, dtype=np.int8)
            input_codes[prepared.order] = codes
            methods_in_input_order[column] = input_codes
    report = build_report(prepared, {c: codes for c, (_, codes) in checked.items()})
    return TransformOutput(
        frame=with_filled_columns(frame, filled_in_input_order),
        report=report,
        methods=methods_in_input_order if options.with_methods else None,
    )


# --------------------------------------------------------------------------- the transform


def impute_with_kernel(
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    kernel: Kernel,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    """T2 with a given kernel: :func:`prepare`, ``kernel`` per column, :func:`assemble`."""
    prepared = prepare(frame, options, history, limits)
    filled: dict[str, np.ndarray] = {}
    methods: dict[str, np.ndarray] = {}
    for column in options.columns:
        filled[column], methods[column] = kernel(
            prepared.kernel_input(column, options.max_spline_gap)
        )
    return assemble(frame, prepared, filled, methods, options)
