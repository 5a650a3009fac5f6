"""T3 wind_to_long: Namdong wind hourly records (24 hour columns) to one row per hour."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from foundations.errors import PortalError, TransformInputError
from tests.conformance import assert_frame, payload

nan = np.nan
COLUMNS = ["timestamp", "plant_code", "unit", "plant_name", "generation"]

# The hourly values of wind_namdong_page1.json / _reponse.json, labels 1..24, as written there.
# Plant codes are those of the reconstructed real-format bodies (tests/fixtures/payloads/real/),
# not official ones: 9997 영흥풍력, 9995 군위 화산풍력, 9996 삼천포풍력, 9994 어음풍력.
YH1_0301 = [
    1523.2,
    1498.7,
    1402.1,
    1377.0,
    1290.4,
    1188.3,
    1010.9,
    876.5,
    702.2,
    655.0,
    598.4,
    611.7,
    640.2,
    702.9,
    811.3,
    934.6,
    1088.1,
    1203.5,
    1315.8,
    1420.6,
    1488.9,
    1530.2,
    1561.4,
    1544.0,
]
YH2_0301 = [
    1410.5,
    1388.2,
    1301.7,
    1256.9,
    nan,
    nan,
    902.3,
    781.4,
    633.8,
    590.1,
    541.6,
    560.2,
    588.7,
    641.5,
    745.0,
    866.2,
    1002.8,
    1111.4,
    1230.6,
    1337.1,
    1402.9,
    1448.3,
    1476.5,
    1460.8,
]
GW1_0301 = [
    402.1,
    388.6,
    371.2,
    350.9,
    329.4,
    301.7,
    277.3,
    250.0,
    231.8,
    nan,
    nan,
    nan,
    198.4,
    210.6,
    236.9,
    262.3,
    288.7,
    310.2,
    335.6,
    358.1,
    371.9,
    380.4,
    391.2,
    399.8,
]
YH1_0302 = [
    1532.6,
    1519.3,
    1476.0,
    1420.8,
    1351.2,
    1277.5,
    1190.4,
    1095.8,
    988.3,
    903.7,
    850.2,
    822.9,
    845.1,
    901.6,
    977.4,
    1062.5,
    1150.9,
    1233.0,
    1302.7,
    1365.4,
    1410.2,
    1438.8,
    1455.1,
    1461.9,
]
SC1_0302 = [
    365.2,
    350.8,
    341.0,
    322.7,
    300.1,
    288.6,
    270.4,
    255.9,
    240.3,
    228.7,
    219.5,
    214.0,
    220.8,
    233.6,
    251.2,
    274.9,
    296.3,
    318.0,
    337.5,
    351.4,
    362.9,
    371.6,
    378.2,
    380.0,
]
SC1_0303 = [
    381.4,
    379.0,
    366.2,
    350.1,
    331.8,
    312.5,
    290.7,
    266.3,
    242.0,
    221.6,
    205.9,
    199.2,
    203.7,
    218.4,
    239.0,
    262.8,
    285.1,
    305.6,
    322.9,
    336.0,
    344.2,
    350.7,
    355.3,
    357.9,
]


def expected_frame(
    blocks: list[tuple[str, str, int, str, list[float]]], shift: int
) -> pd.DataFrame:
    """Rows for (day, plant_code, unit, plant_name, 24 values) blocks, given in output order.

    Label N is stamped day + (N - shift) h: shift 1 for "end", 0 for "legacy".
    """
    rows = [
        (datetime.fromisoformat(day) + timedelta(hours=label - shift), code, unit, name, value)
        for day, code, unit, name, values in blocks
        for label, value in enumerate(values, start=1)
    ]
    return pd.DataFrame(
        {
            "timestamp": pd.Series([r[0] for r in rows], dtype="datetime64[ns]"),
            "plant_code": pd.Series([r[1] for r in rows], dtype="str"),
            "unit": pd.Series([r[2] for r in rows], dtype="int64"),
            "plant_name": pd.Series([r[3] for r in rows], dtype="str"),
            "generation": pd.Series([r[4] for r in rows], dtype="float64"),
        }
    )


# Sorted by plant code ("9995" < "9997"), then unit, then time: the fixture's third record
# (군위 화산풍력) comes first, 영흥풍력 unit 1's two days before its unit 2.
PAGE1_SORTED = [
    ("2024-03-01", "9995", 1, "군위 화산풍력 1", GW1_0301),
    ("2024-03-01", "9997", 1, "영흥풍력 1", YH1_0301),
    ("2024-03-02", "9997", 1, "영흥풍력 1", YH1_0302),
    ("2024-03-01", "9997", 2, "영흥풍력 2", YH2_0301),
]


def wind_record(day: str, code: str, hogi: object, name: object, values: list[object]) -> dict:
    record = {"dgenYmd": day, "ippt": code, "hogi": hogi, "ipptNam": name}
    record.update({f"qhorGen{n:02d}": v for n, v in enumerate(values, start=1)})
    return record


def test_page_mixed_date_formats_and_missing_values(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload("wind_namdong_page1.json"), "end")
    assert out.report == {"records": 4, "rows": 96, "dropped_bad_date": 0, "duplicates": 0}
    assert_frame(expected_frame(PAGE1_SORTED, shift=1), out.frame)


def test_page_spot_checks(backend: str, call_transform) -> None:
    frame = call_transform("wind_to_long", payload("wind_namdong_page1.json"), "end").frame
    assert list(frame.columns) == COLUMNS
    assert frame.index.equals(pd.RangeIndex(96))
    first = frame.iloc[0]
    assert first["timestamp"] == pd.Timestamp("2024-03-01 00:00")  # label 01 -> 00:00
    assert (first["plant_code"], first["unit"], first["plant_name"]) == (
        "9995",
        1,
        "군위 화산풍력 1",
    )
    assert first["generation"] == pytest.approx(402.1)
    # "" and null are NaN, never 0: 영흥풍력 (9997) unit 2, labels 5 and 6 -> 04:00 and 05:00
    unit2 = frame[(frame["plant_code"] == "9997") & (frame["unit"] == 2)]
    missing = unit2.loc[unit2["generation"].isna(), "timestamp"].tolist()
    assert missing == [pd.Timestamp("2024-03-01 04:00"), pd.Timestamp("2024-03-01 05:00")]
    assert frame["generation"].isna().sum() == 5
    assert (frame["generation"].fillna(1.0) != 0).all()


def test_legacy_hour_label(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload("wind_namdong_page1.json"), "legacy")
    assert out.report == {"records": 4, "rows": 96, "dropped_bad_date": 0, "duplicates": 0}
    assert_frame(expected_frame(PAGE1_SORTED, shift=0), out.frame)
    # label 24 of 03-01 is 03-02 00:00 and label 01 of 03-02 is 01:00: no collision
    yh1 = out.frame[(out.frame["plant_code"] == "9997") & (out.frame["unit"] == 1)]
    assert yh1["timestamp"].iloc[23] == pd.Timestamp("2024-03-02 00:00")
    assert yh1["generation"].iloc[23] == pytest.approx(1544.0)
    assert yh1["timestamp"].iloc[24] == pd.Timestamp("2024-03-02 01:00")
    assert yh1["timestamp"].iloc[-1] == pd.Timestamp("2024-03-03 00:00")


def test_misspelt_reponse_key(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload("wind_namdong_reponse.json"), "end")
    assert out.report == {"records": 2, "rows": 48, "dropped_bad_date": 0, "duplicates": 0}
    expected = expected_frame(
        [
            ("2024-03-02", "9996", 1, "삼천포풍력 1", SC1_0302),
            ("2024-03-03", "9996", 1, "삼천포풍력 1", SC1_0303),
        ],
        shift=1,
    )
    assert_frame(expected, out.frame)


def test_bad_dates_dropped_and_duplicates_keep_last(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload("wind_namdong_edge.json"), "end")
    # three records with "", "2024-02-30" and "2024/03/04" are dropped and counted; the
    # re-sent 2024-03-03 record replaces all 24 rows of the first one
    assert out.report == {"records": 5, "rows": 24, "dropped_bad_date": 3, "duplicates": 24}
    expected = expected_frame(
        [("2024-03-03", "9997", 2, "영흥풍력 2", [1200.0] * 12 + [1250.5] * 12)], shift=1
    )
    assert_frame(expected, out.frame)


def test_empty_page(backend: str, call_transform) -> None:
    out = call_transform("wind_to_long", payload("wind_namdong_empty.json"), "end")
    assert out.report == {"records": 0, "rows": 0, "dropped_bad_date": 0, "duplicates": 0}
    assert_frame(expected_frame([], shift=1), out.frame)


def test_list_of_dicts_equals_body(backend: str, call_transform) -> None:
    records = json.loads(payload("wind_namdong_page1.json"))["response"]["body"]["content"]
    before = copy.deepcopy(records)
    out = call_transform("wind_to_long", records, "end")
    assert records == before  # not mutated
    assert out.report == {"records": 4, "rows": 96, "dropped_bad_date": 0, "duplicates": 0}
    assert_frame(expected_frame(PAGE1_SORTED, shift=1), out.frame)


def test_value_types_and_name_formatting(backend: str, call_transform) -> None:
    values = [" 7.5 ", 3, 2.25, "", None, "0"] + ["1e2"] * 18
    records = [
        wind_record("2024-01-31", "9996", "01", " 삼천포풍력", values),
        wind_record(20240130, "9996", 1.0, "삼천포풍력", [1] * 24),  # a numeric date
    ]
    out = call_transform("wind_to_long", records, "end")
    assert out.report == {"records": 2, "rows": 48, "dropped_bad_date": 0, "duplicates": 0}
    expected = expected_frame(
        [
            ("2024-01-30", "9996", 1, "삼천포풍력 1", [1.0] * 24),
            (
                "2024-01-31",
                "9996",
                1,
                "삼천포풍력 1",
                [7.5, 3.0, 2.25, nan, nan, 0.0] + [100.0] * 18,
            ),
        ],
        shift=1,
    )
    assert_frame(expected, out.frame)


def test_missing_hour_keys_are_nan(backend: str, call_transform) -> None:
    record = {
        "dgenYmd": "20240301",
        "ippt": "9997",
        "hogi": 1,
        "ipptNam": "영흥풍력",
        "qhorGen01": "10",
        "qhorGen24": "20",
    }
    out = call_transform("wind_to_long", [record], "end")
    assert out.frame["generation"].iloc[0] == 10.0
    assert out.frame["generation"].iloc[23] == 20.0
    assert out.frame["generation"].iloc[1:23].isna().all()


def test_sort_is_by_plant_unit_time(backend: str, call_transform) -> None:
    records = [
        # 영흥풍력 has units 1 and 2 only; unit 10 is made up here because with 1 and 2 the
        # text order and the numeric order of the unit agree
        wind_record("20240302", "9997", 10, "영흥풍력", [10] * 24),
        wind_record("20240302", "9997", 2, "영흥풍력", [2] * 24),
        wind_record("20240301", "9997", 2, "영흥풍력", [1] * 24),
        wind_record("20240301", "9995", 1, "군위 화산풍력", [0] * 24),
        wind_record("20240301", "9994", 1, "어음풍력", [5] * 24),
    ]
    frame = call_transform("wind_to_long", records, "end").frame
    # by plant code, not name (by name 군위 would come before 어음); unit is numeric: 2 before 10
    assert frame.groupby(["plant_code", "unit"], sort=False).size().index.tolist() == [
        ("9994", 1),
        ("9995", 1),
        ("9997", 2),
        ("9997", 10),
    ]
    assert frame["plant_name"].iloc[::24].tolist() == [
        "어음풍력 1",
        "군위 화산풍력 1",
        "영흥풍력 2",
        "영흥풍력 2",
        "영흥풍력 10",
    ]
    assert frame["generation"].iloc[0:24].eq(5).all()
    assert frame["generation"].iloc[24:48].eq(0).all()
    # within 9997 unit 2, 03-01 before 03-02 although the record came later
    assert frame["timestamp"].iloc[48] == pd.Timestamp("2024-03-01 00:00")
    assert frame["generation"].iloc[48:72].eq(1).all()
    assert frame["timestamp"].iloc[72] == pd.Timestamp("2024-03-02 00:00")
    assert frame["generation"].iloc[72:96].eq(2).all()
    assert frame["generation"].iloc[96:120].eq(10).all()
    assert len(frame) == 120


def test_no_hour_fields_is_an_error(backend: str, call_transform) -> None:
    records = [{"dgenYmd": "20240301", "ippt": "9997", "hogi": 1, "ipptNam": "영흥풍력", "qsum": 5}]
    with pytest.raises(TransformInputError, match="qhorGen"):
        call_transform("wind_to_long", records, "end")


def test_unknown_hour_label_is_an_error(backend: str, call_transform) -> None:
    with pytest.raises(TransformInputError, match="hour_label"):
        call_transform("wind_to_long", payload("wind_namdong_page1.json"), "start")


def test_bad_unit_is_an_error(backend: str, call_transform) -> None:
    records = [
        wind_record("20240301", "9997", 1, "영흥풍력", [1] * 24),
        wind_record("20240301", "9997", "", "영흥풍력", [1] * 24),
    ]
    with pytest.raises(TransformInputError, match="1"):
        call_transform("wind_to_long", records, "end")


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("wind_namdong_error_limit.json", "22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR"),
        ("gateway_error_envelope.xml", "30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR"),
    ],
)
def test_error_bodies_raise_portal_error(
    backend: str, call_transform, name: str, code: str, message: str
) -> None:
    with pytest.raises(PortalError) as info:
        call_transform("wind_to_long", payload(name), "end")
    assert info.value.code == code
    assert message in info.value.message


def test_malformed_body_is_an_input_error(backend: str, call_transform) -> None:
    with pytest.raises(TransformInputError):
        call_transform("wind_to_long", b'{"response": {"body": {"content": [', "end")


def test_days_before_1970_are_valid(call_transform) -> None:
    # Negative nanoseconds since the epoch are real days, not "unparseable".
    record = {
        "dgenYmd": "1969-12-31",
        "ippt": "9997",
        "hogi": "1",
        "ipptNam": "영흥풍력",
        **{f"qhorGen{n:02d}": str(n) for n in range(1, 25)},
    }
    out = call_transform("wind_to_long", [record], hour_label="end")
    assert out.report["dropped_bad_date"] == 0
    assert out.frame["timestamp"].iloc[0] == pd.Timestamp("1969-12-31 00:00")
    assert out.frame["timestamp"].iloc[-1] == pd.Timestamp("1969-12-31 23:00")
