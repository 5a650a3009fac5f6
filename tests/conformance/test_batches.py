"""T3-T5 on batches of bodies, and the body encoding and field type rules, on every backend.

A batch's output must equal the single-body transform over all the bodies'
records in body order, as if they were one body (T3 and T4 sort, and T3
de-duplicates, across bodies; T5 keeps body then item order; reports add up).
The expected outputs here are built from that definition: one body (or one
record list) holding every record, given to the same hook. Errors of a body
carry its index (``body {i}: `` and ``body_index``); the encoding and field type
messages are written out word for word.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from xml.etree import ElementTree

import pytest

from foundations.errors import PortalError, TransformInputError
from foundations.settings import LimitSettings
from tests.conformance import assert_frame, payload

NOT_UTF8 = (
    "body is not UTF-8 (invalid byte at offset {}); the portal sends UTF-8, so re-fetch the "
    "answer or convert it to UTF-8"
)
WIND_PAGES = [
    "wind_namdong_page1.json",
    "wind_namdong_reponse.json",
    "real/wind_namdong_20220101_reponse_reconstructed.json",
    "real/wind_namdong_20251231_reponse_reconstructed.json",
    "real/wind_namdong_20251231_edge_constructed.json",
]
PV_PAGES = [
    "pv_nambu_multi.xml",
    "pv_nambu_single.xml",
    "real/pv_nambu_997S_20240601_02_rc800_items_reconstructed.xml",
    "real/pv_nambu_997S_20240601_rc800_single_reconstructed.xml",
    "real/pv_nambu_997S_20240601_rc00_single_reconstructed.xml",
]
ASOS_PAGES = ["asos_seoul_page.json", "asos_single_item.json", "asos_empty_items.json"]


def wind_records(name: str) -> list[dict[str, Any]]:
    doc = json.loads(payload(name))
    response = doc.get("response") or doc["reponse"]
    content = response["body"]["content"]
    return [content] if isinstance(content, dict) else list(content)


def wind_body(records: list[dict[str, Any]]) -> bytes:
    doc = {"reponse": {"body": {"content": records}}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def pv_items(name: str) -> list[dict[str, str]]:
    """The items of a PV body as dicts of stripped texts (its single-record shape too)."""
    items = ElementTree.fromstring(payload(name)).find(".//items")
    assert items is not None
    elems = items.findall("item") or [items]
    return [{child.tag: (child.text or "").strip() for child in elem} for elem in elems]


def assert_same_output(expected: Any, actual: Any) -> None:
    assert_frame(expected.frame, actual.frame)
    assert actual.report == expected.report


# --------------------------------------------------------------------------- outputs


def test_wind_batch_is_one_body_sorted_and_deduplicated_across_bodies(call_transform) -> None:
    bodies = [payload(name) for name in WIND_PAGES]
    everything = [record for name in WIND_PAGES for record in wind_records(name)]
    batch = call_transform("wind_to_long", bodies, "end")
    one = call_transform("wind_to_long", wind_body(everything), "end")
    assert_same_output(one, batch)
    assert batch.report["records"] == len(everything)


def test_wind_batch_later_bodies_win_and_duplicates_add_up(call_transform) -> None:
    page = payload("wind_namdong_page1.json")
    changed = copy.deepcopy(wind_records("wind_namdong_page1.json"))
    for record in changed:
        record["qhorGen01"] = "7"
    alone = call_transform("wind_to_long", page, "legacy")
    batch = call_transform("wind_to_long", [page, wind_body(changed)], "legacy")
    assert len(batch.frame) == len(alone.frame)
    assert batch.report["records"] == 2 * alone.report["records"]
    assert batch.report["duplicates"] == alone.report["duplicates"] + alone.report["rows"]
    # Every label 1 (stamped 01:00 under "legacy") comes from the second body.
    first_hour = batch.frame["timestamp"].dt.hour == 1
    assert first_hour.any() and (batch.frame.loc[first_hour, "generation"] == 7.0).all()


def test_pv_batch_is_one_body_sorted_across_bodies(call_transform) -> None:
    bodies = [payload(name) for name in PV_PAGES]
    everything = [item for name in PV_PAGES for item in pv_items(name)]
    batch = call_transform("pv_to_long", bodies)
    one = call_transform("pv_to_long", everything)
    assert_same_output(one, batch)
    assert batch.report["items"] == len(everything)


def test_asos_batch_keeps_body_then_item_order(call_transform) -> None:
    bodies = [payload(name) for name in ASOS_PAGES]
    alone = [call_transform("asos_to_frame", body, ["ta", "hm"]) for body in bodies]
    batch = call_transform("asos_to_frame", bodies[::-1], ["ta", "hm"])
    for column in batch.frame.columns:
        expected = [value for out in alone[::-1] for value in out.frame[column].tolist()]
        actual = batch.frame[column].tolist()
        # str(): NaN compares unequal to itself, "nan" does not
        assert [str(v) for v in actual] == [str(v) for v in expected], column
    rows = sum(len(out.frame) for out in alone)
    assert rows and batch.report == {"items": rows, "rows": rows}


@pytest.mark.parametrize(
    ("transform", "args", "empty_body"),
    [
        ("wind_to_long", ("end",), "wind_namdong_empty.json"),
        ("pv_to_long", (), "pv_nambu_empty.xml"),
        ("asos_to_frame", (["ta", "hm"],), "asos_empty_items.json"),
    ],
)
def test_an_empty_batch_is_an_empty_output_with_the_columns_and_dtypes(
    call_transform, transform: str, args: tuple[Any, ...], empty_body: str
) -> None:
    batch = call_transform(transform, [], *args)
    alone = call_transform(transform, payload(empty_body), *args)
    assert len(batch.frame) == 0
    assert_same_output(alone, batch)


def test_a_str_body_in_a_batch_is_read_as_utf8(call_transform) -> None:
    body = payload("asos_single_item.json")
    batch = call_transform("asos_to_frame", [body.decode("utf-8"), bytearray(body)], ["ta"])
    assert len(batch.frame) == 2 and batch.frame["stnNm"].tolist() == ["대전", "대전"]


# --------------------------------------------------------------------------- batch errors


def test_an_error_body_names_its_index(call_transform) -> None:
    good = payload("asos_seoul_page.json")
    with pytest.raises(PortalError) as info:
        call_transform("asos_to_frame", [good, good, payload("asos_error_nodata.json")], ["ta"])
    assert (info.value.code, info.value.message) == ("03", "body 2: NO_DATA")
    assert info.value.body_index == 2
    with pytest.raises(PortalError) as info:
        call_transform("pv_to_long", [payload("gateway_error_envelope.xml")])
    assert info.value.message.startswith("body 0: ") and info.value.body_index == 0
    with pytest.raises(PortalError) as info:
        call_transform("wind_to_long", [payload("wind_namdong_error_limit.json")], "end")
    assert info.value.message.startswith("body 0: ") and info.value.body_index == 0


def test_a_malformed_body_names_its_index_and_the_first_failing_body_wins(call_transform) -> None:
    good = payload("wind_namdong_page1.json")
    bodies = [good, b'{"response": ', payload("wind_namdong_error_limit.json")]
    with pytest.raises(TransformInputError) as info:
        call_transform("wind_to_long", bodies, "end")
    assert str(info.value).startswith("body 1: wind_to_long: malformed JSON body: ")
    assert info.value.body_index == 1


def test_a_record_error_names_the_position_in_its_own_body(call_transform) -> None:
    records = wind_records("wind_namdong_page1.json")
    bad = copy.deepcopy(records)
    bad[1]["hogi"] = "1.5"
    with pytest.raises(TransformInputError) as info:
        call_transform("wind_to_long", [wind_body(records), wind_body(bad)], "end")
    assert str(info.value) == (
        "body 1: wind_to_long: records at positions 1 have a missing plant code (ippt) or a "
        "unit (hogi) that is not an integer"
    )
    assert info.value.body_index == 1


def test_limits_apply_per_body(call_transform) -> None:
    small, large = payload("asos_single_item.json"), payload("asos_seoul_page.json")
    limits = LimitSettings(max_body_bytes=len(small))
    out = call_transform("asos_to_frame", [small, small], ["ta"], limits=limits)
    assert len(out.frame) == 2
    with pytest.raises(TransformInputError) as info:
        call_transform("asos_to_frame", [small, large], ["ta"], limits=limits)
    assert str(info.value).startswith(
        f"body 1: asos_to_frame: the body is {len(large)} bytes, more than the limit of "
        f"{len(small)} bytes;"
    )
    assert info.value.body_index == 1


def test_a_batch_holds_bodies_only(call_transform) -> None:
    with pytest.raises(TransformInputError) as info:
        call_transform("wind_to_long", [payload("wind_namdong_page1.json"), {"a": 1}], "end")
    assert str(info.value) == (
        "wind_to_long: a batch of bodies holds raw bodies (bytes or str) only; element 1 is a dict"
    )
    assert info.value.body_index is None


# --------------------------------------------------------------------------- encoding


def test_a_json_body_that_is_not_utf8_names_the_first_bad_byte(call_transform) -> None:
    body = payload("asos_single_item.json")
    latin = body.replace("대전".encode(), b"\xb4\xeb\xc0\xfc")
    offset = body.index("대전".encode())
    with pytest.raises(TransformInputError) as info:
        call_transform("asos_to_frame", latin, ["ta"])
    assert str(info.value) == "asos_to_frame: " + NOT_UTF8.format(offset)
    # A BOM before it counts: the offset is in the bytes as given.
    with pytest.raises(TransformInputError) as info:
        call_transform("asos_to_frame", [body, b"\xef\xbb\xbf" + latin], ["ta"])
    assert str(info.value) == "body 1: asos_to_frame: " + NOT_UTF8.format(offset + 3)
    assert info.value.body_index == 1


def test_a_utf8_bom_is_allowed(call_transform) -> None:
    body = payload("wind_namdong_page1.json")
    plain = call_transform("wind_to_long", body, "end")
    assert_same_output(plain, call_transform("wind_to_long", b"\xef\xbb\xbf" + body, "end"))
    pv = payload("pv_nambu_multi.xml")
    assert_same_output(
        call_transform("pv_to_long", pv), call_transform("pv_to_long", b"\xef\xbb\xbf" + pv)
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_json_in_utf16_or_utf32_is_refused(call_transform, encoding: str) -> None:
    body = payload("wind_namdong_page1.json").decode("utf-8").encode(encoding)
    with pytest.raises(TransformInputError) as info:
        call_transform("wind_to_long", body, "end")
    assert str(info.value) == "wind_to_long: " + NOT_UTF8.format(0)


@pytest.mark.parametrize("declared", ["UTF-16", "UTF-8"])
def test_xml_in_utf16_is_refused_whatever_its_declaration(call_transform, declared: str) -> None:
    text = payload("pv_nambu_multi.xml").decode("utf-8").replace("UTF-8", declared, 1)
    with pytest.raises(TransformInputError) as info:
        call_transform("pv_to_long", text.encode("utf-16"))
    assert str(info.value) == "pv_to_long: " + NOT_UTF8.format(0)


def test_an_xml_declaration_does_not_change_how_utf8_is_read(call_transform) -> None:
    body = payload("pv_nambu_multi.xml")
    assert b'encoding="UTF-8"' in body
    declared = body.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1)
    assert_same_output(call_transform("pv_to_long", body), call_transform("pv_to_long", declared))


# --------------------------------------------------------------------------- field types


SCALAR = "a string, number or null is expected"
TEXT = "a text field takes a string, an integer or null"


@pytest.mark.parametrize(
    ("field", "value", "holds"),
    [
        ("ippt", {"x": 1}, f"a JSON object; {SCALAR}"),
        ("ipptNam", ["영흥"], f"a JSON array; {SCALAR}"),
        ("qhorGen05", {"v": "1.5"}, f"a JSON object; {SCALAR}"),
        ("dgenYmd", [20240301], f"a JSON array; {SCALAR}"),
        ("hogi", {}, f"a JSON object; {SCALAR}"),
        (
            "ippt",
            9997.0,
            f"a JSON number with a fraction or an exponent (or NaN or Infinity); {TEXT}",
        ),
        ("ipptNam", True, f"a JSON boolean; {TEXT}"),
    ],
)
def test_wind_field_that_is_not_a_scalar(
    call_transform, field: str, value: Any, holds: str
) -> None:
    records = wind_records("wind_namdong_page1.json")
    records[2][field] = value
    for given in (wind_body(records), records):
        with pytest.raises(TransformInputError) as info:
            call_transform("wind_to_long", given, "end")
        assert str(info.value) == f"wind_to_long: field {field!r} of record 2 holds {holds}"
    with pytest.raises(TransformInputError) as info:
        call_transform(
            "wind_to_long", [payload("wind_namdong_reponse.json"), wind_body(records)], "end"
        )
    assert str(info.value) == f"body 1: wind_to_long: field {field!r} of record 2 holds {holds}"


def test_wind_integers_and_null_in_text_fields_are_read(call_transform) -> None:
    records = wind_records("wind_namdong_page1.json")[:1]
    records[0]["ippt"] = 9997
    records[0]["ipptNam"] = None
    out = call_transform("wind_to_long", wind_body(records), "end")
    assert set(out.frame["plant_code"]) == {"9997"} and set(out.frame["plant_name"]) == {"1"}


def test_pv_field_element_with_children(call_transform) -> None:
    body = payload("pv_nambu_multi.xml").decode("utf-8")
    first = body.index("<gencd>")
    second = body.index("<gencd>", first + 1)
    end = body.index("</gencd>", second)
    nested = body[:second] + "<gencd><code>H997</code>" + body[end:]
    with pytest.raises(TransformInputError) as info:
        call_transform("pv_to_long", nested.encode("utf-8"))
    assert str(info.value) == (
        "pv_to_long: field 'gencd' of record 1 holds XML elements; text is expected"
    )


def test_pv_item_dicts_with_an_object(call_transform) -> None:
    items = pv_items("pv_nambu_multi.xml")
    items[0]["qvodgen"] = {"total": "5"}  # type: ignore[assignment]
    with pytest.raises(TransformInputError) as info:
        call_transform("pv_to_long", items)
    assert (
        str(info.value) == f"pv_to_long: field 'qvodgen' of record 0 holds a JSON object; {SCALAR}"
    )


@pytest.mark.parametrize(
    ("field", "value", "holds"),
    [
        ("ta", ["24.8"], f"a JSON array; {SCALAR}"),
        ("stnNm", {"ko": "서울"}, f"a JSON object; {SCALAR}"),
        ("tm", {}, f"a JSON object; {SCALAR}"),
        (
            "stnNm",
            1.5,
            f"a JSON number with a fraction or an exponent (or NaN or Infinity); {TEXT}",
        ),
    ],
)
def test_asos_field_that_is_not_a_scalar(
    call_transform, field: str, value: Any, holds: str
) -> None:
    doc = json.loads(payload("asos_seoul_page.json"))
    doc["response"]["body"]["items"]["item"][3][field] = value
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    with pytest.raises(TransformInputError) as info:
        call_transform("asos_to_frame", body, ["ta", "hm"])
    assert str(info.value) == f"asos_to_frame: field {field!r} of record 3 holds {holds}"


def test_asos_unread_fields_may_hold_anything(call_transform) -> None:
    doc = json.loads(payload("asos_seoul_page.json"))
    doc["response"]["body"]["items"]["item"][0]["rn"] = {"not": ["read"]}
    out = call_transform("asos_to_frame", json.dumps(doc).encode(), ["ta"])
    assert len(out.frame) == len(doc["response"]["body"]["items"]["item"])


def test_asos_field_names_are_identifiers(call_transform) -> None:
    with pytest.raises(TransformInputError) as info:
        call_transform("asos_to_frame", payload("asos_seoul_page.json"), ["ta", "h'm"])
    assert str(info.value) == (
        'asos_to_frame: invalid value fields ["h\'m"]: names must be distinct identifiers '
        "(ASCII letters, digits and _) other than tm, stnId, stnNm"
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"resultCode": None}, "the header's resultCode is not a string or an integer"),
        ({"resultCode": 3.0}, "the header's resultCode is not a string or an integer"),
        (
            {"resultCode": "03", "resultMsg": ["NO_DATA"]},
            "the header's resultMsg is not a string, an integer or null",
        ),
    ],
)
def test_a_header_field_that_is_not_text(
    call_transform, header: dict[str, Any], message: str
) -> None:
    body = json.dumps({"response": {"header": header}}).encode()
    with pytest.raises(TransformInputError) as info:
        call_transform("asos_to_frame", body, ["ta"])
    assert str(info.value) == f"asos_to_frame: {message}; portal answers carry it as one"


def test_an_integer_result_code_and_message(call_transform) -> None:
    body = json.dumps({"response": {"header": {"resultCode": 3, "resultMsg": 0}}}).encode()
    with pytest.raises(PortalError) as info:
        call_transform("asos_to_frame", body, ["ta"])
    assert (info.value.code, info.value.message) == ("03", "0")
