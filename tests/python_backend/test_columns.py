"""plugins.python_backend.columns: the python backend's vectorised record-to-column coercions."""

from __future__ import annotations

import numpy as np

from plugins.python_backend import columns


def test_parse_days() -> None:
    values = [
        "20240301",
        "2024-03-01",
        " 20240229 ",
        20240101,
        "2024-02-30",
        "2024/03/01",
        "",
        None,
        "2024031",
        "2024-3-1",
        "00010101",
        "20240301 00:00",
    ]
    day = np.datetime64("2024-03-01", "ns").astype(np.int64)
    expected = [
        day,
        day,
        np.datetime64("2024-02-29", "ns").astype(np.int64),
        np.datetime64("2024-01-01", "ns").astype(np.int64),
    ] + [columns.UNPARSEABLE] * 8
    assert columns.parse_days(values).tolist() == expected
    assert columns.parse_days(["19691231"]).tolist() == [
        np.datetime64("1969-12-31", "ns").astype(np.int64)
    ]
    assert columns.parse_days([]).dtype == np.int64


def test_numbers() -> None:
    got = columns.numbers(["1.5", " 2 ", 3, 4.25, "", None, "abc", "-0.5"])
    np.testing.assert_array_equal(got, [1.5, 2.0, 3.0, 4.25, np.nan, np.nan, np.nan, -0.5])
    assert got.dtype == np.float64
    assert columns.numbers([]).dtype == np.float64


def test_integers() -> None:
    ints, valid = columns.integers(["1", 2, "03", 4.0, "1.5", "", None, "x"])
    assert valid.tolist() == [True, True, True, True, False, False, False, False]
    assert ints[valid].tolist() == [1, 2, 3, 4]
    assert ints.dtype == np.int64


def test_hour_offsets() -> None:
    hour = 3_600_000_000_000
    labels = np.array([1, 2, 24])
    assert columns.hour_offsets_ns(labels, "end").tolist() == [0, hour, 23 * hour]
    assert columns.hour_offsets_ns(labels, "legacy").tolist() == [hour, 2 * hour, 24 * hour]


def test_integer_beyond_float_range_is_infinite_not_a_crash() -> None:
    assert list(columns.numbers([10**400, -(10**400), "5"])) == [float("inf"), float("-inf"), 5.0]
