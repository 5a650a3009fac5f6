"""T5 asos_to_frame: KMA ASOS hourly JSON to a frame, one row per item in payload order."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from foundations.errors import PortalError, TransformInputError
from tests.conformance import assert_frame, payload, timestamps

nan = np.nan

# asos_seoul_page.json: 서울 (108), 2024-01-15 01:00..06:00
SEOUL_TM = [f"2024-01-15 0{h}:00" for h in range(1, 7)]
SEOUL = {
    "ta": [-3.2, -3.5, nan, -4.1, -4.4, -4.6],
    "hm": [61.0, 63.0, nan, 66.0, nan, 70.0],
    "rn": [nan, nan, nan, nan, 0.0, nan],
    "ws": [1.4, 1.1, nan, 0.8, 0.9, 1.0],
    "pa": [1021.8, 1021.9, nan, 1022.3, 1022.6, 1022.8],
}


def expected_frame(
    tm: list[str], stn_id: list[int], stn_nm: list[str], values: dict
) -> pd.DataFrame:
    columns = {
        "tm": timestamps(tm),
        "stnId": pd.Series(stn_id, dtype="int64"),
        "stnNm": pd.Series(stn_nm, dtype="str"),
    }
    columns.update({name: pd.Series(v, dtype="float64") for name, v in values.items()})
    return pd.DataFrame(columns)


def body(items: object) -> bytes:
    doc = {
        "response": {
            "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
            "body": {
                "dataType": "JSON",
                "items": items,
                "pageNo": 1,
                "numOfRows": 10,
                "totalCount": 0,
            },
        }
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def test_default_fields(backend: str, call_transform) -> None:
    out = call_transform("asos_to_frame", payload("asos_seoul_page.json"), ["ta", "hm"])
    assert out.report == {"items": 6, "rows": 6}
    expected = expected_frame(
        SEOUL_TM, [108] * 6, ["서울"] * 6, {"ta": SEOUL["ta"], "hm": SEOUL["hm"]}
    )
    assert_frame(expected, out.frame)


def test_more_fields_in_requested_order(backend: str, call_transform) -> None:
    fields = ["pa", "ta", "rn", "ws", "hm"]
    out = call_transform("asos_to_frame", payload("asos_seoul_page.json"), fields)
    expected = expected_frame(
        SEOUL_TM, [108] * 6, ["서울"] * 6, {name: SEOUL[name] for name in fields}
    )
    assert_frame(expected, out.frame)


def test_no_value_fields(backend: str, call_transform) -> None:
    out = call_transform("asos_to_frame", payload("asos_seoul_page.json"), [])
    assert_frame(expected_frame(SEOUL_TM, [108] * 6, ["서울"] * 6, {}), out.frame)


def test_single_item_as_object(backend: str, call_transform) -> None:
    out = call_transform("asos_to_frame", payload("asos_single_item.json"), ["ta", "hm", "rn"])
    assert out.report == {"items": 1, "rows": 1}
    expected = expected_frame(
        ["2024-07-01 00:00"], [133], ["대전"], {"ta": [24.8], "hm": [88.0], "rn": [1.5]}
    )
    assert_frame(expected, out.frame)


def test_payload_order_is_kept(backend: str, call_transform) -> None:
    items = [
        {"tm": "2024-01-02 00:00", "stnId": "159", "stnNm": "부산", "ta": "3.5", "hm": "40"},
        {"tm": "2024-01-01 23:00", "stnId": "108", "stnNm": "서울", "ta": "-1", "hm": ""},
        {"tm": "2024-01-01 23:00", "stnId": 159, "stnNm": "부산", "ta": 4, "hm": None},
    ]
    out = call_transform("asos_to_frame", body({"item": items}), ["ta", "hm"])
    expected = expected_frame(
        ["2024-01-02 00:00", "2024-01-01 23:00", "2024-01-01 23:00"],
        [159, 108, 159],
        ["부산", "서울", "부산"],
        {"ta": [3.5, -1.0, 4.0], "hm": [40.0, nan, nan]},
    )
    assert_frame(expected, out.frame)


@pytest.mark.parametrize(
    "name_or_items",
    ["asos_empty_items.json", "", None, {"item": []}, {}, {"item": ""}],
    ids=["fixture", "empty-string", "null", "empty-list", "empty-object", "item-empty"],
)
def test_empty_items_give_typed_empty_frame(backend: str, call_transform, name_or_items) -> None:
    raw = (
        payload(name_or_items)
        if isinstance(name_or_items, str) and name_or_items
        else body(name_or_items)
    )
    out = call_transform("asos_to_frame", raw, ["ta", "hm"])
    assert out.report == {"items": 0, "rows": 0}
    assert_frame(expected_frame([], [], [], {"ta": [], "hm": []}), out.frame)


def test_requested_field_missing_names_it(backend: str, call_transform) -> None:
    with pytest.raises(TransformInputError, match="'sunshine_hours'"):
        call_transform("asos_to_frame", payload("asos_seoul_page.json"), ["ta", "sunshine_hours"])


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("asos_error_nodata.json", "03", "NO_DATA"),
        ("gateway_error_envelope.xml", "30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR"),
    ],
)
def test_error_bodies_raise_portal_error(
    backend: str, call_transform, name: str, code: str, message: str
) -> None:
    with pytest.raises(PortalError) as info:
        call_transform("asos_to_frame", payload(name), ["ta", "hm"])
    assert info.value.code == code
    assert message in info.value.message


def test_bad_time_is_an_error(backend: str, call_transform) -> None:
    items = [
        {"tm": "2024-01-01 23:00", "stnId": "108", "stnNm": "서울", "ta": "1", "hm": "2"},
        {"tm": "2024-01-01 24:00", "stnId": "108", "stnNm": "서울", "ta": "1", "hm": "2"},
    ]
    with pytest.raises(TransformInputError, match="1"):
        call_transform("asos_to_frame", body({"item": items}), ["ta", "hm"])
