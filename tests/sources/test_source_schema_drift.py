"""Schema drift: signatures of real-shape bodies, comparison, the required-field policy, baselines.

Keeping a baseline in the database is :mod:`pipeline.drift`'s job (tests/flows/test_drift.py);
here a baseline is folded with :func:`merge` as the flows do.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from foundations.errors import PortalError
from sources.replay import ASOS_PATH, PV_PATH, WIND_PATH, Catalog
from sources.schema_drift import (
    SchemaDriftError,
    compare,
    compute_signature,
    merge,
    signature_of,
)


def replayed(catalog: Catalog) -> dict[str, list[bytes]]:
    """The sample records as the emulator answers them: ASOS per station, wind, PV (all units)."""
    emulator = catalog.emulator()
    start, end = (d.strftime("%Y%m%d") for d in catalog.window)
    key = {"serviceKey": "replay-test"}
    asos = [
        emulator.answer(
            ASOS_PATH,
            {
                **key,
                "numOfRows": "999",
                "dataType": "JSON",
                "dataCd": "ASOS",
                "dateCd": "HR",
                "startDt": start,
                "startHh": "00",
                "endDt": end,
                "endHh": "23",
                "stnIds": str(stn),
            },
        ).body
        for stn in catalog.asos_stations
    ]
    wind = [
        emulator.answer(
            WIND_PATH,
            {**key, "size": "40", "page": str(p), "startD": "20240101", "endD": "20240131"},
        ).body
        for p in (1, 2, 3, 4)
    ]
    pv = [
        emulator.answer(
            PV_PATH, {**key, "numOfRows": "100", "strSdate": start, "strEdate": end}
        ).body
    ]
    return {"asos": asos, "wind": wind, "pv": pv}


@pytest.fixture(scope="module")
def samples() -> dict[str, list[bytes]]:
    return replayed(Catalog.load())


def asos_body(item: dict[str, Any]) -> bytes:
    doc = {
        "response": {
            "header": {"resultCode": "00"},
            "body": {"items": {"item": [item]}, "totalCount": 1},
        }
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def wind_body(records: list[dict[str, Any]], key: str = "response") -> bytes:
    return json.dumps(
        {key: {"header": {"resultCode": "00"}, "body": {"content": records}}}
    ).encode()


ASOS_ITEM = {
    "tm": "2024-01-30 00:00",
    "stnId": "108",
    "stnNm": "서울",
    "ta": "-4.0",
    "hm": "70",
    "rn": "",
}
WIND_RECORD = {
    "dgenYmd": "20240101",
    "ippt": "9997",
    "hogi": 1,
    "ipptNam": "영흥풍력",
    "qhorGen01": 1.5,
}


def test_sample_signatures_have_the_contract_fields_and_no_drift_against_themselves(samples):
    for source, bodies in samples.items():
        sig = signature_of(source, bodies)
        report = compare(sig, sig)
        assert sig["records"] > 0
        assert not report.has_drift, (source, report.as_dict())


def test_json_types_and_missing_values():
    sig = compute_signature(
        "wind", wind_body([WIND_RECORD, {**WIND_RECORD, "qhorGen01": None, "hogi": "2"}])
    )

    assert sig["fields"]["qhorGen01"] == ["null", "number"]
    assert sig["fields"]["hogi"] == ["number", "string"]
    assert sig["records"] == 2
    assert "response.body.content" in sig["envelope"]


def test_misspelt_reponse_is_not_drift():
    base = compute_signature("wind", wind_body([WIND_RECORD]))
    now = compute_signature("wind", wind_body([WIND_RECORD], key="reponse"))

    assert not compare(base, now).has_drift


def test_new_missing_and_retyped_optional_fields_are_warnings():
    base = compute_signature("asos", asos_body(ASOS_ITEM))
    item = {k: v for k, v in ASOS_ITEM.items() if k != "rn"}
    item["ws"] = "2.2"
    item["hm"] = 70  # string -> number
    now = compute_signature("asos", asos_body(item))

    report = compare(base, now)
    report.raise_for_required()  # nothing required is missing

    assert report.new == {"ws": ["string"]}
    assert report.missing == ["rn"]
    assert report.retyped == {"hm": (["string"], ["number"])}
    text = "\n".join(report.warnings())
    assert "new field 'ws'" in text and "'rn'" in text and "'hm' changed type" in text


def test_null_and_empty_are_missing_values_not_types():
    base = compute_signature("wind", wind_body([WIND_RECORD]))
    now = compute_signature(
        "wind", wind_body([{**WIND_RECORD, "qhorGen01": None}, {**WIND_RECORD, "qhorGen01": ""}])
    )

    assert compare(base, now).retyped == {}


def test_first_real_value_of_an_always_empty_field_is_not_a_retype():
    base = compute_signature("asos", asos_body({**ASOS_ITEM, "hmQcflg": ""}))
    now = compute_signature("asos", asos_body({**ASOS_ITEM, "hmQcflg": "9"}))

    assert compare(base, now).retyped == {}
    retyped = compute_signature("asos", asos_body({**ASOS_ITEM, "hmQcflg": 9}))
    assert compare(now, retyped).retyped == {"hmQcflg": (["string"], ["number"])}


@pytest.mark.parametrize(
    ("source", "body", "missing"),
    [
        ("asos", asos_body({k: v for k, v in ASOS_ITEM.items() if k != "tm"}), "tm"),
        ("asos", asos_body({k: v for k, v in ASOS_ITEM.items() if k != "hm"}), "hm"),
        ("wind", wind_body([{k: v for k, v in WIND_RECORD.items() if k != "dgenYmd"}]), "dgenYmd"),
        (
            "wind",
            wind_body([{k: v for k, v in WIND_RECORD.items() if k != "qhorGen01"}]),
            "qhorGen",
        ),
    ],
)
def test_missing_required_field_stops_even_without_a_baseline(source, body, missing):
    report = compare(None, compute_signature(source, body))

    with pytest.raises(SchemaDriftError, match=missing) as info:
        report.raise_for_required()

    assert "stops before loading" in str(info.value)


def test_pv_required_fields_and_hour_group(samples):
    base = signature_of("pv", samples["pv"])
    body = (
        samples["pv"][0].replace(b"<gencd>", b"<plantcode>").replace(b"</gencd>", b"</plantcode>")
    )

    report = compare(base, compute_signature("pv", body))

    assert report.missing_required == ["gencd"]
    assert report.new == {"plantcode": ["text"]}


def test_extra_required_follows_the_configured_columns():
    sig = compute_signature("asos", asos_body(ASOS_ITEM))

    assert compare(None, sig, extra_required=["ws"]).missing_required == ["ws"]


def test_empty_bodies_skip_field_checks_but_not_the_envelope(samples):
    base = signature_of("wind", samples["wind"])
    empty = compute_signature("wind", wind_body([]))
    report = compare(base, empty)
    assert not report.judged_fields and report.missing_required == [] and report.missing == []

    no_content = compute_signature("wind", json.dumps({"response": {"body": {}}}).encode())
    assert compare(base, no_content).missing_required == ["envelope response.body.content"]


def test_error_bodies_are_not_signed():
    with pytest.raises(PortalError):
        compute_signature("asos", b'{"response":{"header":{"resultCode":"30","resultMsg":"x"}}}')


def test_merge_is_a_union():
    a = compute_signature("wind", wind_body([WIND_RECORD]))
    b = compute_signature("wind", wind_body([{**WIND_RECORD, "hogi": "1", "extra": True}]))

    m = merge(a, b)

    assert m["records"] == 2
    assert m["fields"]["hogi"] == ["number", "string"] and m["fields"]["extra"] == ["boolean"]
    assert a["fields"]["hogi"] == ["number"]  # inputs untouched


def test_merged_baseline_first_run_then_warn_once_for_new_fields(samples):
    first_sig = signature_of("wind", samples["wind"])
    first = compare(None, first_sig)
    first.raise_for_required()
    assert not first.has_drift
    baseline = merge(None, first_sig)

    changed = [b.replace(b'"ipptNam":', b'"newField":1,"ipptNam":', 1) for b in samples["wind"][:1]]
    second_sig = signature_of("wind", changed)
    second = compare(baseline, second_sig)
    baseline = merge(baseline, second_sig)
    third = compare(baseline, signature_of("wind", changed))

    assert "newField" in second.new
    assert any("new field 'newField'" in w for w in second.warnings())
    assert third.new == {}
    assert baseline["fields"]["newField"] == ["number"]


def test_required_break_raises_whatever_the_baseline(samples):
    baseline = signature_of("wind", samples["wind"])
    broken = signature_of("wind", [b.replace(b'"dgenYmd"', b'"genDate"') for b in samples["wind"]])

    for report in (compare(baseline, broken), compare(None, broken)):
        assert report.missing_required == ["dgenYmd"]
        with pytest.raises(SchemaDriftError, match="dgenYmd"):
            report.raise_for_required()


def test_signature_is_json_serialisable(samples):
    sig = signature_of("pv", samples["pv"])
    assert json.loads(json.dumps(sig)) == copy.deepcopy(sig)
