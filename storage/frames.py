"""Turning transform output frames into database rows, and query results back into frames.

A loader first *normalises* each frame column into a checked numpy array
(float64 with NaN for missing, int64, naive-KST datetime64[us], or Python
``str`` objects), held by :class:`PreparedRows`. From there the two load paths
take what they need:

* :meth:`PreparedRows.python_rows` for ``executemany``: tuples of plain Python
  values, ``None`` for NaN (the database stores NULL, never a NaN float);
* :meth:`PreparedRows.copy_chunks` for PostgreSQL ``COPY``: the text format,
  built column-wise (each distinct timestamp, code or name is formatted once)
  because per-row Python formatting, not the server, was the COPY path's
  bottleneck.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from storage.errors import FrameError

#: ``instant``: one aware UTC datetime for every row (``loaded_at``).
ColumnKind = Literal["str", "int", "float", "kst", "instant"]

KST = "Asia/Seoul"
COPY_CHUNK_ROWS = 100_000
_COPY_NULL = "\\N"
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`FrameError` naming every column of ``columns`` that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FrameError(
            f"{what}: missing column(s) {', '.join(missing)}; the frame has {list(frame.columns)}"
        )


def kst_naive(series: pd.Series, what: str) -> pd.Series:
    """``series`` as naive KST datetime64; tz-aware values are converted to Asia/Seoul first."""
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        raise FrameError(
            f"{what}: column {series.name!r} must be datetime64 (naive KST), not {series.dtype}"
        )
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert(KST).dt.tz_localize(None)
    return series


def _na_rows(mask: np.ndarray, limit: int = 10) -> list[int]:
    return [int(p) for p in np.flatnonzero(mask)[:limit]]


def normalize(series: pd.Series, kind: ColumnKind, what: str) -> np.ndarray:
    """The column as a checked numpy array of ``kind`` (see the module docstring)."""
    if kind == "float":
        try:
            return pd.to_numeric(series, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise FrameError(f"{what}: column {series.name!r} is not numeric") from None
    if kind == "kst":
        series = kst_naive(series, what)
    missing = series.isna().to_numpy()
    if missing.any():
        raise FrameError(
            f"{what}: column {series.name!r} has missing values at rows {_na_rows(missing)}"
        )
    if kind == "int":
        try:
            return series.to_numpy(dtype=np.int64)
        except (TypeError, ValueError):
            raise FrameError(f"{what}: column {series.name!r} is not integer") from None
    if kind == "kst":
        return series.to_numpy().astype("datetime64[us]")
    # Codes and names repeat on every row: convert each distinct value once.
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    return np.asarray([str(v) for v in uniques], dtype=object)[codes]


@dataclass(frozen=True)
class PreparedRows:
    """Checked columns of one load, in table column order."""

    names: tuple[str, ...]
    kinds: tuple[ColumnKind, ...]
    arrays: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.arrays[0]) if self.arrays else 0

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, columns: Sequence[tuple[str, ColumnKind]], what: str
    ) -> PreparedRows:
        """Normalise ``columns`` (frame column name = table column name) of ``frame``."""
        return cls(
            tuple(name for name, _ in columns),
            tuple(kind for _, kind in columns),
            tuple(normalize(frame[name], kind, what) for name, kind in columns),
        )

    def python_rows(self) -> list[tuple[Any, ...]]:
        """Row tuples of plain Python values, ``None`` for NaN."""
        columns = [
            _python_column(array, kind) for array, kind in zip(self.arrays, self.kinds, strict=True)
        ]
        return list(zip(*columns, strict=True))

    def copy_chunks(self, rows_per_chunk: int = COPY_CHUNK_ROWS) -> Iterator[bytes]:
        """The rows in PostgreSQL's COPY text format, in chunks (streamed while the server parses)."""
        for start in range(0, len(self), rows_per_chunk):
            stop = start + rows_per_chunk
            texts = [
                _copy_column(a[start:stop], k).tolist()
                for a, k in zip(self.arrays, self.kinds, strict=True)
            ]
            yield ("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n").encode("utf-8")


def _python_column(array: np.ndarray, kind: ColumnKind) -> list[Any]:
    values: list[Any] = array.tolist()  # datetime64[us] -> datetime, int64 -> int, float64 -> float
    if kind == "float":
        return [
            None if missing else v
            for v, missing in zip(values, np.isnan(array).tolist(), strict=True)
        ]
    return values


def _copy_column(array: np.ndarray, kind: ColumnKind) -> np.ndarray:
    """One column as COPY text fields (object array of str)."""
    if kind == "float":
        # repr is the shortest text that reads back as the same double.
        texts = np.asarray(list(map(repr, array.tolist())), dtype=object)
        texts[np.isnan(array)] = _COPY_NULL
        return texts
    codes, uniques = pd.factorize(array)
    formatted: np.ndarray | list[str]
    if kind == "kst":
        formatted = np.datetime_as_string(np.asarray(uniques, dtype="datetime64[us]"), unit="us")
    elif kind == "instant":
        formatted = [value.isoformat() for value in uniques]
    elif kind == "int":
        formatted = [str(int(value)) for value in uniques]
    else:
        formatted = [_copy_escape(value) for value in uniques]
    return np.asarray(formatted, dtype=object)[codes]


def _copy_escape(value: str) -> str:
    for raw, escaped in _COPY_ESCAPES:
        value = value.replace(raw, escaped)
    return value


def instant_column(value: datetime, rows: int) -> np.ndarray:
    """A constant ``instant`` column (``loaded_at``) of ``rows`` rows."""
    column = np.empty(rows, dtype=object)
    column[:] = [value] * rows
    return column


def frame_from_rows(
    rows: Sequence[Sequence[Any]], columns: Sequence[tuple[str, ColumnKind]]
) -> pd.DataFrame:
    """A frame with the contract dtypes: ``str``, ``int64``, ``float64``, ``datetime64[ns]``.

    An empty result keeps the columns and dtypes, so callers never special-case it.
    """
    data: dict[str, pd.Series] = {}
    for i, (name, kind) in enumerate(columns):
        values = [row[i] for row in rows]
        if kind == "float":
            data[name] = pd.Series(
                [np.nan if v is None else float(v) for v in values], dtype="float64"
            )
        elif kind == "int":
            data[name] = pd.Series(values, dtype="int64")
        elif kind == "kst":
            data[name] = pd.Series(values, dtype="datetime64[ns]")
        else:
            data[name] = pd.Series(values, dtype="str")
    return pd.DataFrame(data)


def as_naive_kst(value: datetime | pd.Timestamp | str) -> datetime:
    """A query bound as a naive KST ``datetime`` (aware values are converted to KST)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(KST).tz_localize(None)
    return stamp.to_pydatetime()
