"""T2 inputs in the shapes and forms real callers hand ``impute_missing_values``.

Two shapes of data:

* ``legacy``: the legacy benchmark generator's shape: 114 stations, ``tm`` as
  strings like ``2020-01-01 00:00``, station names as strings;
* ``project``: :mod:`benchmarks.generator` as it is (3 stations up to 30k rows,
  then ~10,000 hours per station).

Two forms of each:

* ``text``: the frame written as a CSV and read back the way ``energy impute``
  reads one (:func:`energy_cli.impute_command.read_text_csv`: every cell a
  ``str``, empty cells as empty strings), so times *and* values are strings;
* ``datetime64``: ``tm`` datetime64[ns] and float64 values (what T5 or a
  Parquet file gives).

Same arguments, same frame: a benchmark subprocess rebuilds its input from the
case name alone.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.generator import GeneratorSpec, generate, spec_for_rows

SHAPES = ("legacy", "project")
FORMS = ("text", "datetime64")
LEGACY_STATIONS = 114
LEGACY_START = "2020-01-01 00:00"
#: How the legacy generator and ``energy impute``'s users write times.
TIME_FORMAT = "%Y-%m-%d %H:%M"


def legacy_spec(rows: int) -> GeneratorSpec:
    """114 stations with about ``rows / 114`` hours each (rounded up: rows is a multiple of 114)."""
    return GeneratorSpec(
        stations=LEGACY_STATIONS, hours=math.ceil(rows / LEGACY_STATIONS), start=LEGACY_START
    )


def spec_for(shape: str, rows: int) -> GeneratorSpec:
    if shape == "legacy":
        return legacy_spec(rows)
    if shape == "project":
        return spec_for_rows(rows)
    raise ValueError(f"unknown T2 shape {shape!r}; expected one of {SHAPES}")


def as_text_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` written as CSV (times as ``YYYY-MM-DD HH:MM``) and read back as ``energy impute`` does."""
    from energy_cli.impute_command import read_text_csv

    with tempfile.TemporaryDirectory(prefix="t2_input_") as folder:
        path = Path(folder) / "input.csv"
        # Floats are written in their shortest round-trip form, so the text
        # holds exactly the generated values; NaN becomes an empty cell.
        frame.to_csv(path, index=False, date_format=TIME_FORMAT, encoding="utf-8")
        return read_text_csv(path, "input", max_columns=len(frame.columns) + 1)


def build(shape: str, form: str, rows: int) -> pd.DataFrame:
    """The T2 input of ``shape`` and ``form`` with about ``rows`` rows."""
    frame = generate(spec_for(shape, rows))
    if form == "datetime64":
        return frame
    if form == "text":
        return as_text_csv(frame)
    raise ValueError(f"unknown T2 input form {form!r}; expected one of {FORMS}")


def input_dtypes(frame: pd.DataFrame) -> str:
    """The input's column dtypes and the arrays holding them, e.g. ``tm str (ArrowStringArray)``."""
    return ", ".join(
        f"{name} {frame[name].dtype!s} ({type(frame[name].array).__name__})"
        for name in frame.columns
    )


def string_storage(frame: pd.DataFrame, column: str = "stnNm") -> str:
    """The pandas option and the array type actually holding ``column`` (for the report)."""
    option = pd.get_option("mode.string_storage")
    array = type(frame[column].array).__name__
    return (
        f'mode.string_storage = "{option}", {column} dtype {frame[column].dtype!s} held in {array}'
    )
