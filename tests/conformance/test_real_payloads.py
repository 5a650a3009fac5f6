"""T3/T4/T5 on bodies in the APIs' real formats (``tests/fixtures/payloads/real``).

What these bodies add over the synthetic fixtures: the Nambu PV success header
``800`` / ``NORMAL_SERVICE.``, ``totalCnt`` and the paging elements after
``<items>``, dashed ``ymd``; the wind answer under ``reponse`` with its extra
fields and no ``totalCount``; ASOS records of ~38 string fields with numeric
paging fields. Every expected value below is read off the fixture files by
hand (the fixtures' README says which values are real).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from foundations.errors import PortalError
from registry import Registry, Settings, known_backends
from registry.discovery import Backends
from registry.equivalence import differences
from tests.conformance import assert_frame, payload, timestamps

nan = np.nan

PV_800 = "real/pv_nambu_997S_20240601_rc800_single_reconstructed.xml"
PV_00 = "real/pv_nambu_997S_20240601_rc00_single_reconstructed.xml"
PV_TWO_DAYS = "real/pv_nambu_997S_20240601_02_rc800_items_reconstructed.xml"
WIND_2022 = "real/wind_namdong_20220101_reponse_reconstructed.json"
WIND_2025 = "real/wind_namdong_20251231_reponse_reconstructed.json"
WIND_EDGE = "real/wind_namdong_20251231_edge_constructed.json"
ASOS_VERBATIM = "real/asos_hourly_108_20190120_verbatim_item.json"
ASOS_PAGE = "real/asos_hourly_108_20190120_page_reconstructed.json"
GATEWAY = "real/gateway_error_key_not_registered.xml"

SININCHEON = "한국남부발전(주)_신인천전망대 태양광발전실적"
# Unit 997S, 2024-06-01, labels 1..24 (real; the evening hours 16-22 are the
# source's broken profile and must come through unchanged).
S997_0601 = [
    0,
    0,
    0,
    0,
    0,
    1,
    38,
    85,
    137,
    184,
    224,
    247,
    251,
    250,
    240,
    947,
    1266,
    1000,
    688,
    1067,
    1055,
    869,
    0,
    0,
]
S997_0601_DAILY = (8547.6, 356.15, 1266.0, 0.0)
# 2024-06-02 (invented): label 13 is <qhorgen13/>, i.e. missing.
S997_0602 = [
    0,
    0,
    0,
    0,
    0,
    1,
    34,
    76,
    123,
    166,
    202,
    222,
    nan,
    225,
    216,
    852,
    1139,
    900,
    619,
    960,
    950,
    782,
    0,
    0,
]
S997_0602_DAILY = (7467.0, 311.12, 1139.0, 0.0)


def pv_expected(days: list[tuple[str, list[float], tuple[float, ...]]]) -> pd.DataFrame:
    """997S unit 1 rows for (day, 24 values, daily values) blocks: label N at day + (N-1) h."""
    rows = [
        (datetime.fromisoformat(day) + timedelta(hours=label - 1), value, *daily)
        for day, values, daily in days
        for label, value in enumerate(values, start=1)
    ]
    n = len(rows)
    column = lambda i: pd.Series([r[i] for r in rows], dtype="float64")  # noqa: E731
    return pd.DataFrame(
        {
            "datetime": pd.Series([r[0] for r in rows], dtype="datetime64[ns]"),
            "gencd": pd.Series(["997S"] * n, dtype="str"),
            "plant_name": pd.Series([SININCHEON] * n, dtype="str"),
            "hogi": pd.Series([1] * n, dtype="Int64"),
            "generation": column(1),
            "daily_total": column(2),
            "daily_avg": column(3),
            "daily_max": column(4),
            "daily_min": column(5),
        }
    )


# -- T4 pv_to_long ---------------------------------------------------------------


@pytest.mark.parametrize("name", [PV_800, PV_00])
def test_pv_single_record_with_either_success_code(backend: str, call_transform, name: str) -> None:
    out = call_transform("pv_to_long", payload(name))
    assert out.report == {"items": 1, "rows": 24, "dropped_invalid": 0}
    assert_frame(pv_expected([("2024-06-01", S997_0601, S997_0601_DAILY)]), out.frame)
    frame = out.frame
    # interval-start hours: label 1 at 00:00, label 24 at 23:00 of the same day
    assert frame["datetime"].iloc[0] == pd.Timestamp("2024-06-01 00:00")
    assert frame["datetime"].iloc[23] == pd.Timestamp("2024-06-01 23:00")
    assert frame["daily_total"].unique().tolist() == [8547.6]
    # the published hours are whole kWh: they add up to 8549, 1.4 above the API's day total
    assert frame["generation"].sum() == 8549.0
    # the broken evening profile comes through: label 17 (16:00) is the day's maximum
    assert frame.loc[frame["generation"].idxmax(), "datetime"] == pd.Timestamp("2024-06-01 16:00")


def test_pv_rc00_and_rc800_bodies_give_identical_frames(backend: str, call_transform) -> None:
    out_800 = call_transform("pv_to_long", payload(PV_800))
    out_00 = call_transform("pv_to_long", payload(PV_00))
    assert not differences(out_800, out_00)
    pd.testing.assert_frame_equal(out_800.frame, out_00.frame)


def test_pv_items_shape_two_days(backend: str, call_transform) -> None:
    out = call_transform("pv_to_long", payload(PV_TWO_DAYS))
    # totalCnt, numOfRows and pageNo after <items> are not records
    assert out.report == {"items": 2, "rows": 48, "dropped_invalid": 0}
    expected = pv_expected(
        [("2024-06-01", S997_0601, S997_0601_DAILY), ("2024-06-02", S997_0602, S997_0602_DAILY)]
    )
    assert_frame(expected, out.frame)
    gaps = out.frame.loc[out.frame["generation"].isna(), "datetime"].tolist()
    assert gaps == [pd.Timestamp("2024-06-02 12:00")]  # <qhorgen13/> of day 2, never 0
    day2 = out.frame[out.frame["datetime"] >= pd.Timestamp("2024-06-02")]
    assert day2["generation"].sum() == 7467.0  # NaN skipped: the 23 present hours


# -- T3 wind_to_long ---------------------------------------------------------------


def wind_at(frame: pd.DataFrame, name: str, when: str) -> float:
    """The generation of plant ``name`` (``"영흥풍력 1"``) at ``when``; exactly one row."""
    rows = frame[(frame["plant_name"] == name) & (frame["timestamp"] == pd.Timestamp(when))]
    assert len(rows) == 1, (name, when, rows)
    return float(rows["generation"].iloc[0])


def test_wind_reponse_2022_dashed_date(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload(WIND_2022), "end")
    assert out.report == {"records": 4, "rows": 96, "dropped_bad_date": 0, "duplicates": 0}
    frame = out.frame
    assert list(frame.columns) == ["timestamp", "plant_code", "unit", "plant_name", "generation"]
    # sorted by (plant_code, unit, timestamp); codes 9995 < 9996 < 9997
    blocks = frame.iloc[::24][["plant_code", "unit", "plant_name"]].values.tolist()
    assert blocks == [
        ["9995", 1, "군위 화산풍력 1"],
        ["9996", 1, "삼천포풍력 1"],
        ["9997", 1, "영흥풍력 1"],
        ["9997", 2, "영흥풍력 2"],
    ]
    assert frame["unit"].dtype == np.int64  # hogi "1" / "2" parsed
    assert frame["timestamp"].min() == pd.Timestamp("2022-01-01 00:00")
    assert frame["timestamp"].max() == pd.Timestamp("2022-01-01 23:00")
    # the real label-1 values, at the interval start 00:00
    assert wind_at(frame, "영흥풍력 1", "2022-01-01 00:00") == 483.687
    assert wind_at(frame, "영흥풍력 2", "2022-01-01 00:00") == 967.68
    assert wind_at(frame, "군위 화산풍력 1", "2022-01-01 00:00") == 7279.789
    assert wind_at(frame, "삼천포풍력 1", "2022-01-01 00:00") == 0.0
    # label 24 of 영흥풍력 1 (invented) at 23:00; no value anywhere is missing
    assert wind_at(frame, "영흥풍력 1", "2022-01-01 23:00") == 522.354
    assert not frame["generation"].isna().any()


def test_wind_reponse_2025_undashed_date(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload(WIND_2025), "end")
    assert out.report == {"records": 5, "rows": 120, "dropped_bad_date": 0, "duplicates": 0}
    frame = out.frame
    names = frame.iloc[::24]["plant_name"].tolist()
    assert names == ["어음풍력 1", "군위 화산풍력 1", "삼천포풍력 1", "영흥풍력 1", "영흥풍력 2"]
    # the real label-24 values, at the interval start 23:00 of the same day
    assert wind_at(frame, "영흥풍력 1", "2025-12-31 23:00") == 1971.528
    assert wind_at(frame, "영흥풍력 2", "2025-12-31 23:00") == 8853.12
    assert wind_at(frame, "군위 화산풍력 1", "2025-12-31 23:00") == 4570.358
    assert wind_at(frame, "삼천포풍력 1", "2025-12-31 23:00") == 0.0
    assert wind_at(frame, "어음풍력 1", "2025-12-31 23:00") == 18956.952
    assert wind_at(frame, "영흥풍력 1", "2025-12-31 00:00") == 1500.0


def test_wind_reponse_legacy_labels_put_label_24_at_midnight(backend: str, call_transform) -> None:
    frame = call_transform("wind_to_long", payload(WIND_2025), "legacy").frame
    assert wind_at(frame, "어음풍력 1", "2026-01-01 00:00") == 18956.952
    assert wind_at(frame, "영흥풍력 1", "2025-12-31 01:00") == 1500.0


def test_wind_edge_no_header_string_null_and_empty_hours(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload(WIND_EDGE), "end")
    assert out.report == {"records": 1, "rows": 24, "dropped_bad_date": 0, "duplicates": 0}
    frame = out.frame
    assert frame["plant_name"].unique().tolist() == ["영흥풍력 1"]
    gaps = frame.loc[frame["generation"].isna(), "timestamp"].tolist()
    # qhorGen05 null and qhorGen06 "": labels 5 and 6, 04:00 and 05:00
    assert gaps == [pd.Timestamp("2025-12-31 04:00"), pd.Timestamp("2025-12-31 05:00")]
    assert wind_at(frame, "영흥풍력 1", "2025-12-31 00:00") == 1500.0  # "1500.0"
    assert wind_at(frame, "영흥풍력 1", "2025-12-31 03:00") == 1853.553  # "1853.553"
    assert wind_at(frame, "영흥풍력 1", "2025-12-31 23:00") == 1971.528  # "1971.528"


def test_wind_edge_equals_the_numeric_answer_except_the_missing_hours(
    backend: str, call_transform
) -> None:
    edge = call_transform("wind_to_long", payload(WIND_EDGE), "end").frame
    full = call_transform("wind_to_long", payload(WIND_2025), "end").frame
    full = full[full["plant_name"] == "영흥풍력 1"].reset_index(drop=True)
    expected = full.copy()
    expected.loc[[4, 5], "generation"] = nan
    assert_frame(expected, edge)


# -- T5 asos_to_frame ----------------------------------------------------------------


def asos_expected(times: list[str], ta: list[float], hm: list[float]) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame(
        {
            "tm": timestamps(times),
            "stnId": pd.Series([108] * n, dtype="int64"),
            "stnNm": pd.Series(["서울"] * n, dtype="str"),
            "ta": pd.Series(ta, dtype="float64"),
            "hm": pd.Series(hm, dtype="float64"),
        }
    )


def test_asos_verbatim_record(backend: str, call_transform) -> None:
    out = call_transform("asos_to_frame", payload(ASOS_VERBATIM), ["ta", "hm"])
    assert out.report == {"items": 1, "rows": 1}
    assert_frame(asos_expected(["2019-01-20 01:00"], [3.6], [76.0]), out.frame)


def test_asos_verbatim_record_other_string_fields(backend: str, call_transform) -> None:
    fields = ["ws", "wd", "pa", "ps", "td", "rn", "ss", "m03Te"]
    frame = call_transform("asos_to_frame", payload(ASOS_VERBATIM), fields).frame
    row = frame.iloc[0]
    assert [row["ws"], row["wd"], row["pa"], row["ps"], row["td"], row["m03Te"]] == [
        2.5,
        290.0,
        1007.8,
        1018.4,
        -0.2,
        0.7,
    ]
    assert np.isnan(row["rn"]) and np.isnan(row["ss"])  # "" (ss with QC flag "9")


def test_asos_page_with_numeric_paging_and_a_missing_record(backend: str, call_transform) -> None:
    out = call_transform("asos_to_frame", payload(ASOS_PAGE), ["ta", "hm"])
    assert out.report == {"items": 3, "rows": 3}
    expected = asos_expected(
        ["2019-01-20 01:00", "2019-01-20 02:00", "2019-01-20 03:00"],
        [3.6, 3.2, nan],
        [76.0, 78.0, nan],
    )
    assert_frame(expected, out.frame)


# -- gateway error --------------------------------------------------------------------

#: Every transform that reads a raw body, with its other arguments.
BODY_READERS: list[tuple[str, tuple[Any, ...]]] = [
    ("pv_to_long", ()),
    ("wind_to_long", ("end",)),
    ("asos_to_frame", (["ta", "hm"],)),
]


@pytest.mark.parametrize(("transform", "args"), BODY_READERS, ids=[t for t, _ in BODY_READERS])
def test_gateway_key_not_registered_is_portal_error_30(
    backend: str, call_transform, transform: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(PortalError) as info:
        call_transform(transform, payload(GATEWAY), *args)
    error = info.value
    assert (error.code, error.message, error.source) == (
        "30",
        "SERVICE ERROR: SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
        transform,
    )


# -- parity -------------------------------------------------------------------------

#: (transform, fixture, other arguments) for every data fixture.
DATA_CALLS: list[tuple[str, str, tuple[Any, ...]]] = [
    ("pv_to_long", PV_800, ()),
    ("pv_to_long", PV_00, ()),
    ("pv_to_long", PV_TWO_DAYS, ()),
    ("wind_to_long", WIND_2022, ("end",)),
    ("wind_to_long", WIND_2025, ("end",)),
    ("wind_to_long", WIND_2025, ("legacy",)),
    ("wind_to_long", WIND_EDGE, ("end",)),
    ("asos_to_frame", ASOS_VERBATIM, (["ta", "hm"],)),
    ("asos_to_frame", ASOS_PAGE, (["ta", "hm", "ws", "pa", "rn", "td"],)),
]
OTHER_BACKENDS = [name for name in known_backends() if name != "python"]


@pytest.mark.parametrize("backend", OTHER_BACKENDS, indirect=True)
@pytest.mark.parametrize(
    ("transform", "name", "args"),
    DATA_CALLS,
    ids=[f"{t}-{n.removeprefix('real/')}-{a[0] if a else ''}" for t, n, a in DATA_CALLS],
)
def test_backend_matches_python_under_the_equivalence_rule(
    backend: str,
    call_transform: Callable[..., Any],
    raise_settings: Settings,
    discovered_backends: Backends,
    transform: str,
    name: str,
    args: tuple[Any, ...],
) -> None:
    registry = Registry(raise_settings, discovered_backends, environ={})
    reference = registry.call(transform, payload(name), *args, backend="python")
    assert reference.record.used == "python"
    actual = call_transform(transform, payload(name), *args)
    assert reference.value.report["rows"] > 0  # a data fixture, not an empty page
    diffs = differences(reference.value, actual)
    assert not diffs, "\n".join(diffs)
