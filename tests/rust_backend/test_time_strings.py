"""Rust's T2 time-string parser reads every form it recognises exactly as pandas does.

The rule under test (``docs/contracts/transforms.md``, T2 "Time strings in
the rust backend"): a string Rust recognises gets the python reference's
value; any other string is left to the python reference's per-value path.
So for every string, Rust's reading is either "not recognised" (NaT) or the
python backend's own value, and the forms real inputs use are recognised
(otherwise the fast path would silently never run). Near-misses
(``2024-02-30``, ``24:00``, stray spaces...) must never be recognised with a
value python does not give.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_harness.imputation import kst_naive_ns

NAT = np.iinfo(np.int64).min
#: From here on Asia/Seoul is a fixed UTC+9 (Rust converts offsets itself).
FIXED_KST_SINCE = pd.Timestamp("1989-01-01", tz="UTC")

TIME_FORMS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def python_ns(text: str) -> int | None:
    """The python backend's reading of a one-value column (None where it refuses)."""
    try:
        return int(kst_naive_ns(pd.Series([text], dtype=object), "frame", "tm")[0])
    except Exception:  # noqa: BLE001 - any refusal counts: Rust must then not recognise it
        return None


def rust_ns(native: ModuleType, text: str) -> int | None:
    ns = int(native._parse_times(np.array([text], dtype=object))[0])
    return None if ns == NAT else ns


@st.composite
def rendered(draw: st.DrawFn) -> tuple[str, bool]:
    """A valid time in one of the recognised forms, and whether Rust must recognise it."""
    when = draw(
        st.datetimes(min_value=dt.datetime(1678, 1, 1), max_value=dt.datetime(2261, 12, 31))
    )
    form = draw(st.sampled_from(("date", "compact", *TIME_FORMS)))
    if form == "date":
        return when.strftime("%Y-%m-%d"), True
    if form == "compact":
        return when.strftime("%Y%m%d%H%M"), True
    text = when.strftime(form)
    if form.endswith("%S") and draw(st.booleans()):
        digits = draw(st.integers(1, 9))
        text += "." + "".join(
            draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits))
        )
    offset = draw(st.sampled_from(("", "Z", "+09:00", "+0900", "-05:30", "+14:00", "+0000")))
    if not offset:
        return text, True
    hours, minutes = (0, 0) if offset == "Z" else (int(offset[1:3]), int(offset[-2:]))
    sign = -1 if offset.startswith("-") else 1
    utc = pd.Timestamp(when).tz_localize("UTC") - sign * pd.Timedelta(hours=hours, minutes=minutes)
    return text + offset, utc >= FIXED_KST_SINCE


NEAR_MISS_CHARS = " :-T0123456789Zz+./"


@st.composite
def near_miss(draw: st.DrawFn) -> str:
    """A valid rendering with one character changed, inserted or removed."""
    text, _ = draw(rendered())
    i = draw(st.integers(0, len(text)))
    edit = draw(st.sampled_from(("replace", "insert", "delete")))
    ch = draw(st.sampled_from(NEAR_MISS_CHARS))
    if edit == "insert":
        return text[:i] + ch + text[i:]
    if edit == "delete" or i == len(text):
        return text[:i] + text[i + 1 :]
    return text[:i] + ch + text[i + 1 :]


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=rendered())
def test_recognised_forms_read_as_pandas_reads_them(
    native: ModuleType, case: tuple[str, bool]
) -> None:
    text, recognised = case
    got = rust_ns(native, text)
    if recognised:
        assert got is not None, f"{text!r} should take Rust's fast path"
    if got is not None:
        assert got == python_ns(text), text


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.one_of(near_miss(), rendered().map(lambda case: case[0])), max_size=8))
def test_near_misses_are_left_to_python_or_read_identically(
    native: ModuleType, texts: list[str]
) -> None:
    # Several strings per call: Rust reuses the previous row's date, which
    # must never change a reading.
    got = native._parse_times(np.array(texts, dtype=object))
    for text, ns in zip(texts, got.tolist(), strict=True):
        if ns != NAT:
            assert ns == python_ns(text), text


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-30 10:00",
        "2023-02-29 00:00",
        "2024-01-31 24:00",
        "2024-01-31 13:60",
        "2024-01-31 13:00:60",
        " 2024-01-31 13:00",
        "2024-01-31 13:00 ",
        "2024-01-31  13:00",
        "2024-1-31 13:00",
        "2024013113",
        "2024-01-31 13:00 +09:00",
        "1988-06-01 00:00+09:00",
        "",
        "nan",
        "NaT",
        "now",
    ],
)
def test_known_near_misses_go_to_python(native: ModuleType, text: str) -> None:
    assert rust_ns(native, text) is None


def test_yyyymmddhh_is_refused_by_python_too() -> None:
    # The brief's doubt, settled: pandas reads YYYYMMDDHHMM but not YYYYMMDDHH.
    assert python_ns("202401311300") == pd.Timestamp("2024-01-31 13:00").value
    assert python_ns("2024013113") is None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.dates(min_value=dt.date(1678, 1, 1), max_value=dt.date(2261, 12, 31)),
    hours=st.lists(st.integers(0, 25), min_size=1, max_size=6),
)
def test_rows_of_one_day(native: ModuleType, day: dt.date, hours: list[int]) -> None:
    # Consecutive rows of one date share Rust's date cache; 24:00 and 25:00 must still fail.
    texts = [f"{day:%Y-%m-%d} {h:02d}:00" for h in hours] + [
        f"{day:%Y%m%d}{h:02d}00" for h in hours
    ]
    got = native._parse_times(np.array(texts, dtype=object)).tolist()
    for text, ns in zip(texts, got, strict=True):
        assert (None if ns == NAT else ns) == python_ns(text), text
