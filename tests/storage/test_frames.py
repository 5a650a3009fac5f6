"""Frame normalisation and the COPY text format, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from storage import FrameError
from storage.frames import PreparedRows, instant_column, normalize
from storage.wind import WIND_COLUMNS


def test_copy_text_escapes_nulls_and_timestamps() -> None:
    frame = pd.DataFrame(
        {
            "plant_code": pd.Series(["a\tb", "c\\d"], dtype="str"),
            "unit": np.array([1, 2], dtype=np.int64),
            "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00"]),
            "plant_name": pd.Series(["line\nbreak", "\\N"], dtype="str"),
            "generation": [0.1, np.nan],
        }
    )
    rows = PreparedRows.from_frame(frame, WIND_COLUMNS, "test")
    text = b"".join(rows.copy_chunks()).decode()
    assert text == (
        "a\\tb\t1\t2024-01-01T00:00:00.000000\tline\\nbreak\t0.1\n"
        "c\\\\d\t2\t2024-01-01T01:00:00.000000\t\\\\N\t\\N\n"
    )


def test_copy_text_is_the_same_in_any_chunking() -> None:
    n = 1_000
    frame = pd.DataFrame(
        {
            "plant_code": pd.Series([f"p{i % 7}" for i in range(n)], dtype="str"),
            "unit": np.arange(n, dtype=np.int64) % 3,
            "timestamp": pd.date_range("2024-01-01", periods=n, freq="h"),
            "plant_name": pd.Series([f"name {i % 5}" for i in range(n)], dtype="str"),
            "generation": np.random.default_rng(0).normal(size=n),
        }
    )
    rows = PreparedRows.from_frame(frame, WIND_COLUMNS, "test")
    assert b"".join(rows.copy_chunks(97)) == b"".join(rows.copy_chunks())


def test_python_rows_use_none_for_missing_values() -> None:
    frame = pd.DataFrame(
        {
            "plant_code": pd.Series(["a"], dtype="str"),
            "unit": pd.array([3], dtype="Int64"),
            "timestamp": pd.to_datetime(["2024-01-01 05:00"]),
            "plant_name": pd.Series(["x"], dtype="str"),
            "generation": [np.nan],
        }
    )
    (row,) = PreparedRows.from_frame(frame, WIND_COLUMNS, "test").python_rows()
    assert row == ("a", 3, datetime(2024, 1, 1, 5), "x", None)
    assert type(row[1]) is int


def test_instant_columns_format_as_utc() -> None:
    now = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    rows = PreparedRows(("loaded_at",), ("instant",), (instant_column(now, 2),))
    assert b"".join(rows.copy_chunks()).decode() == "2024-01-01T00:00:00+00:00\n" * 2
    assert rows.python_rows() == [(now,), (now,)]


@pytest.mark.parametrize(
    ("series", "kind", "message"),
    [
        (pd.Series(["2024-01-01"], name="timestamp"), "kst", "must be datetime64"),
        (pd.Series([pd.NaT], dtype="datetime64[ns]", name="timestamp"), "kst", "missing values"),
        (pd.Series(["x"], name="generation"), "float", "not numeric"),
        (
            pd.Series([None], dtype="str", name="plant_code"),
            "str",
            "missing values at rows \\[0\\]",
        ),
    ],
)
def test_bad_columns_are_named(series: pd.Series, kind, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        normalize(series, kind, "test")
