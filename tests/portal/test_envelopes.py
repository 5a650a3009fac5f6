"""portal: error-body detection, safe XML, JSON loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import portal
from foundations.errors import PortalError, TransformInputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- raise_for_portal_error -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("gateway_error_envelope.xml", "30", "SERVICE ERROR: SERVICE_KEY_IS_NOT_REGISTERED_ERROR"),
        ("pv_nambu_error_resultcode.xml", "03", "NODATA_ERROR"),
        ("asos_error_nodata.json", "03", "NO_DATA"),
        ("wind_namdong_error_limit.json", "22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR"),
    ],
)
def test_error_bodies_raise(name: str, code: str, message: str) -> None:
    with pytest.raises(PortalError) as info:
        portal.raise_for_portal_error(fixture(name), source="test-source")
    error = info.value
    assert (error.code, error.message, error.source) == (code, message, "test-source")
    assert str(info.value) == f"test-source: portal error {code}: {message}"


@pytest.mark.parametrize(
    "name",
    [
        "wind_namdong_page1.json",
        "wind_namdong_reponse.json",
        "wind_namdong_empty.json",
        "pv_nambu_multi.xml",
        "pv_nambu_single.xml",
        "pv_nambu_empty.xml",
        "asos_seoul_page.json",
        "asos_empty_items.json",
    ],
)
def test_success_bodies_pass(name: str) -> None:
    assert portal.raise_for_portal_error(fixture(name), source="s") is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"<html><body>502 Bad Gateway</body></html>",
        b"[1, 2]",
        b"{}",
        b"<unclosed",
        b'{"response": {"header": {}}}',
    ],
)
def test_other_bodies_are_not_portal_errors(body: bytes) -> None:
    assert portal.raise_for_portal_error(body, source="s") is None


def test_hostile_xml_is_not_expanded_by_detection() -> None:
    assert portal.raise_for_portal_error(fixture("billion_laughs.xml"), source="s") is None


def test_gateway_envelope_with_whitespace_bom_and_declaration() -> None:
    declaration = b"\xef\xbb\xbf\n  <?xml version='1.0' encoding='UTF-8'?>"
    body = declaration + fixture("gateway_error_envelope.xml")
    with pytest.raises(PortalError) as info:
        portal.raise_for_portal_error(body, source="s")
    assert info.value.code == "30"


def test_gateway_envelope_without_code_or_message() -> None:
    body = (
        b"<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
        b"</cmmMsgHeader></OpenAPI_ServiceResponse>"
    )
    with pytest.raises(PortalError) as info:
        portal.raise_for_portal_error(body, source="s")
    assert (info.value.code, info.value.message) == ("99", "SERVICE ERROR")


@pytest.mark.parametrize(("code", "raises"), [(0, False), ("00", False), (3, True), ("03", True)])
def test_json_result_code_as_number_or_string(code: object, raises: bool) -> None:
    body = json.dumps({"response": {"header": {"resultCode": code, "resultMsg": "m"}}}).encode()
    if raises:
        with pytest.raises(PortalError) as info:
            portal.raise_for_portal_error(body, source="s")
        assert info.value.code == "03"
    else:
        portal.raise_for_portal_error(body, source="s")


def test_success_codes_are_00_and_800() -> None:
    # 800 / NORMAL_SERVICE. is the Nambu PV service's documented success header
    assert {"00", "800"} == portal.SUCCESS_CODES
    assert portal.OK_CODE in portal.SUCCESS_CODES


@pytest.mark.parametrize(
    ("code", "raises"),
    [
        ("800", False),
        (800, False),
        ("00", False),
        (" 800 ", False),
        ("801", True),
        ("080", True),
        ("0800", True),
        ("8", True),
        (80, True),
    ],
)
def test_json_result_code_800_is_success_and_near_misses_are_not(
    code: object, raises: bool
) -> None:
    body = json.dumps({"reponse": {"header": {"resultCode": code, "resultMsg": "m"}}}).encode()
    if raises:
        with pytest.raises(PortalError) as info:
            portal.raise_for_portal_error(body, source="s")
        assert (info.value.code, info.value.message) == (str(code).strip(), "m")
    else:
        assert portal.raise_for_portal_error(body, source="s") is None


@pytest.mark.parametrize(
    ("code", "raises"), [("800", False), ("00", False), ("801", True), ("03", True), ("99", True)]
)
def test_xml_result_code_800_is_success(code: str, raises: bool) -> None:
    body = (
        f"<response><header><resultCode>{code}</resultCode><resultMsg>NORMAL_SERVICE."
        "</resultMsg></header><body><items/><totalCnt>0</totalCnt></body></response>"
    ).encode()
    if raises:
        with pytest.raises(PortalError) as info:
            portal.load_xml_response(body, source="s")
        assert (info.value.code, info.value.message) == (code, "NORMAL_SERVICE.")
    else:
        assert portal.load_xml_response(body, source="s").tag == "response"


# -- safe XML ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe_external_entity.xml"])
def test_parse_xml_refuses_dtd_and_entities(name: str) -> None:
    with pytest.raises(TransformInputError, match="DTD or entity"):
        portal.parse_xml(fixture(name), source="s")


def test_parse_xml_refuses_a_bare_doctype() -> None:
    with pytest.raises(TransformInputError):
        portal.parse_xml(b"<!DOCTYPE response><response/>", source="s")


def test_parse_xml_malformed() -> None:
    with pytest.raises(TransformInputError, match="malformed XML"):
        portal.parse_xml(b"<response><header>", source="s")


def test_load_xml_response_returns_root_of_success_body() -> None:
    root = portal.load_xml_response(fixture("pv_nambu_multi.xml"), source="s")
    assert root.tag == "response" and len(root.findall(".//item")) == 3


# -- JSON -------------------------------------------------------------------------


def test_load_json_response_both_spellings() -> None:
    right = portal.load_json_response(fixture("wind_namdong_page1.json"), source="s")
    misspelt = portal.load_json_response(fixture("wind_namdong_reponse.json"), source="s")
    assert len(right["body"]["content"]) == 4
    assert len(misspelt["body"]["content"]) == 2


def test_load_json_response_gateway_xml_raises_portal_error() -> None:
    with pytest.raises(PortalError):
        portal.load_json_response(fixture("gateway_error_envelope.xml"), source="s")


def test_load_json_response_other_xml_is_an_input_error() -> None:
    with pytest.raises(TransformInputError, match="expected a JSON body"):
        portal.load_json_response(fixture("pv_nambu_multi.xml"), source="s")


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"data": []}', b'{"response": "x"}'])
def test_load_json_response_rejects_other_shapes(body: bytes) -> None:
    with pytest.raises(TransformInputError):
        portal.load_json_response(body, source="s")


def test_load_json_response_accepts_bom_and_bytearray() -> None:
    body = bytearray(b"\xef\xbb\xbf" + fixture("asos_seoul_page.json"))
    response = portal.load_json_response(body, source="s")
    assert response["header"]["resultCode"] == "00"


def test_non_bytes_body_is_an_input_error() -> None:
    with pytest.raises(TransformInputError, match="bytes"):
        portal.load_json_response(12, source="s")  # type: ignore[arg-type]


def test_xml_in_a_multibyte_encoding_is_an_input_error() -> None:
    from foundations.errors import TransformInputError
    from portal import parse_xml

    body = '<?xml version="1.0" encoding="EUC-KR"?><items><ipptnm>남부</ipptnm></items>'.encode(
        "euc-kr"
    )
    # The first byte of 남 in EUC-KR (0xb3) after the ASCII declaration and <items><ipptnm>.
    offset = body.index("남".encode("euc-kr"))
    with pytest.raises(
        TransformInputError, match=rf"body is not UTF-8 \(invalid byte at offset {offset}\)"
    ):
        parse_xml(body, source="pv_to_long")
