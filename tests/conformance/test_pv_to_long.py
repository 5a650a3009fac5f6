"""T4 pv_to_long: Nambu PV per plant/unit/day XML to one row per hour."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from foundations.errors import PortalError, TransformInputError
from tests.conformance import assert_frame, payload

nan = np.nan
BUSAN = "한국남부발전(주)_부산신항 태양광발전실적"
HADONG = "한국남부발전(주)_하동본부 태양광발전실적"

# pv_nambu_multi.xml (997G unit 1) and pv_nambu_single.xml (H997 unit 2), labels 1..24
G_0514 = [
    0,
    0,
    0,
    0,
    0,
    3.2,
    41.5,
    142.8,
    287.4,
    412.9,
    498.3,
    541.7,
    536.0,
    489.2,
    401.6,
    288.1,
    156.3,
    52.7,
    6.1,
    0,
    0,
    0,
    0,
    0,
]
G_0515 = [
    0,
    0,
    0,
    0,
    0,
    1.8,
    22.4,
    75.9,
    130.2,
    188.7,
    240.5,
    301.3,
    322.8,
    298.0,
    251.4,
    176.9,
    98.2,
    31.5,
    3.9,
    0,
    0,
    0,
    0,
    0,
]
H_0515 = [
    0,
    0,
    0,
    0,
    0,
    2.1,
    30.6,
    98.4,
    176.0,
    240.3,
    288.9,
    310.5,
    nan,
    nan,
    277.7,
    214.2,
    133.0,
    49.8,
    5.0,
    0,
    0,
    0,
    0,
    0,
]
# (qvodgen, qvodavg, qvodmax, qvodmin) as written in the fixtures
G_0514_DAILY = (3857.8, 160.74, 541.7, 0.0)
G_0515_DAILY = (2143.5, 89.31, 322.8, 0.0)
H_0515_DAILY = (1826.5, 76.1, 310.5, 0.0)


def expected_frame(blocks: list[tuple]) -> pd.DataFrame:
    """Rows for (day, gencd, plant_name, hogi, 24 values, daily) blocks, in output order."""
    rows = [
        (datetime.fromisoformat(day) + timedelta(hours=label - 1), gencd, name, hogi, value, *daily)
        for day, gencd, name, hogi, values, daily in blocks
        for label, value in enumerate(values, start=1)
    ]
    column = lambda i: [r[i] for r in rows]  # noqa: E731
    return pd.DataFrame(
        {
            "datetime": pd.Series(column(0), dtype="datetime64[ns]"),
            "gencd": pd.Series(column(1), dtype="str"),
            "plant_name": pd.Series(column(2), dtype="str"),
            "hogi": pd.Series(column(3), dtype="Int64"),
            "generation": pd.Series(column(4), dtype="float64"),
            "daily_total": pd.Series(column(5), dtype="float64"),
            "daily_avg": pd.Series(column(6), dtype="float64"),
            "daily_max": pd.Series(column(7), dtype="float64"),
            "daily_min": pd.Series(column(8), dtype="float64"),
        }
    )


def pv_item(ymd: object, gencd: object, hogi: object, name: str, values: list, daily=(None,) * 4):
    item = {"ymd": ymd, "gencd": gencd, "hogi": hogi, "ipptnm": name}
    item.update({f"qhorgen{n:02d}": v for n, v in enumerate(values, start=1)})
    item.update(dict(zip(("qvodgen", "qvodavg", "qvodmax", "qvodmin"), daily, strict=True)))
    return item


def test_multi_item_shape(backend: str, call_transform) -> None:
    out = call_transform("pv_to_long", payload("pv_nambu_multi.xml"))
    # the third item has an empty <ymd>: dropped and counted
    assert out.report == {"items": 3, "rows": 48, "dropped_invalid": 1}
    expected = expected_frame(
        [
            ("2024-05-14", "997G", BUSAN, 1, G_0514, G_0514_DAILY),
            ("2024-05-15", "997G", BUSAN, 1, G_0515, G_0515_DAILY),
        ]
    )
    assert_frame(expected, out.frame)
    assert out.frame["datetime"].iloc[0] == pd.Timestamp("2024-05-14 00:00")  # qhorgen01
    assert out.frame["datetime"].iloc[47] == pd.Timestamp("2024-05-15 23:00")  # qhorgen24


def test_single_record_shape_missing_hours_are_nan(backend: str, call_transform) -> None:
    out = call_transform("pv_to_long", payload("pv_nambu_single.xml"))
    assert out.report == {"items": 1, "rows": 24, "dropped_invalid": 0}
    expected = expected_frame([("2024-05-15", "H997", HADONG, 2, H_0515, H_0515_DAILY)])
    assert_frame(expected, out.frame)
    # <qhorgen13></qhorgen13> and an absent <qhorgen14>: NaN (12:00, 13:00), never 0
    gaps = out.frame.loc[out.frame["generation"].isna(), "datetime"].tolist()
    assert gaps == [pd.Timestamp("2024-05-15 12:00"), pd.Timestamp("2024-05-15 13:00")]


def test_empty_items(backend: str, call_transform) -> None:
    out = call_transform("pv_to_long", payload("pv_nambu_empty.xml"))
    assert out.report == {"items": 0, "rows": 0, "dropped_invalid": 0}
    assert_frame(expected_frame([]), out.frame)


def test_list_of_dicts_sorted_and_invalid_dropped(backend: str, call_transform) -> None:
    samcheok = "한국남부발전(주)_삼척소내 태양광발전실적"
    items = [
        pv_item("20240515", "S997", "3", samcheok, [3] * 24, (72, 3, 3, 3)),
        pv_item("20240516", "997G", 1, BUSAN, ["2.5"] * 24, ("60", "2.5", "2.5", "2.5")),
        pv_item("20240515", "S997", 1, samcheok, [1] * 24, (24, 1, 1, 1)),
        pv_item("20240515", "", 1, samcheok, [9] * 24),  # no plant code
        pv_item("20240515", "S997", "x", samcheok, [9] * 24),  # unit not a number
        pv_item("20240231", "S997", 2, samcheok, [9] * 24),  # no such date
        pv_item("20240515", "997G", 1, BUSAN, [""] * 23 + ["0"], (None, "", None, "")),
    ]
    before = copy.deepcopy(items)
    out = call_transform("pv_to_long", items)
    assert items == before  # not mutated
    assert out.report == {"items": 7, "rows": 96, "dropped_invalid": 3}
    expected = expected_frame(
        [
            ("2024-05-15", "997G", BUSAN, 1, [nan] * 23 + [0.0], (nan,) * 4),
            ("2024-05-16", "997G", BUSAN, 1, [2.5] * 24, (60.0, 2.5, 2.5, 2.5)),
            ("2024-05-15", "S997", samcheok, 1, [1.0] * 24, (24.0, 1.0, 1.0, 1.0)),
            ("2024-05-15", "S997", samcheok, 3, [3.0] * 24, (72.0, 3.0, 3.0, 3.0)),
        ]
    )
    assert_frame(expected, out.frame)


def test_duplicate_items_keep_input_order(backend: str, call_transform) -> None:
    items = [
        pv_item("20240515", "997G", 1, BUSAN, [1] * 24),
        pv_item("20240515", "997G", 1, BUSAN, [2] * 24),
    ]
    frame = call_transform("pv_to_long", items).frame
    assert len(frame) == 48
    # stable sort: per timestamp, the first item's row comes first
    assert frame["generation"].tolist()[:4] == [1.0, 2.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("pv_nambu_error_resultcode.xml", "03", "NODATA_ERROR"),
        ("gateway_error_envelope.xml", "30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR"),
    ],
)
def test_error_bodies_raise_portal_error(
    backend: str, call_transform, name: str, code: str, message: str
) -> None:
    with pytest.raises(PortalError) as info:
        call_transform("pv_to_long", payload(name))
    assert info.value.code == code
    assert message in info.value.message


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe_external_entity.xml"])
def test_entity_declarations_are_refused(backend: str, call_transform, name: str) -> None:
    with pytest.raises(TransformInputError):
        call_transform("pv_to_long", payload(name))


def test_malformed_xml_is_an_input_error(backend: str, call_transform) -> None:
    with pytest.raises(TransformInputError):
        call_transform("pv_to_long", b"<response><body><items><item><ymd>2024")
