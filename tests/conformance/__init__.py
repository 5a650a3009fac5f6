"""Conformance tests: every transform's contract, run against every installed backend.

Each test takes the ``backend`` and ``call_transform`` fixtures of
``tests/conftest.py``; expected values are written out by hand (or by a
trivially correct loop in the test), never computed by a backend.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from registry.equivalence import frame_differences

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


def payload(name: str) -> bytes:
    """The raw bytes of a recorded-shape payload in ``tests/fixtures/payloads``."""
    return (FIXTURES / name).read_bytes()


def assert_frame(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    """``actual`` equals ``expected`` under the equivalence rule (dtypes and order included)."""
    assert isinstance(actual, pd.DataFrame)
    diffs = frame_differences(expected, actual)
    assert not diffs, "\n".join(diffs)


def timestamps(values: list[str]) -> pd.Series:
    """Naive ``datetime64[ns]`` from ``"YYYY-MM-DD HH:MM"`` strings."""
    return pd.Series(pd.to_datetime(values, format="%Y-%m-%d %H:%M"), dtype="datetime64[ns]")
