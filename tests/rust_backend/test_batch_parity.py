"""T3-T5 on random batches of bodies: the rust backend agrees with the python backend.

Each batch is built from the real-format fixtures (``tests/fixtures/payloads/real/``
and the recorded-shape ones beside them): whole bodies, bodies cut down to some
of their records (so records of one plant/day repeat across bodies and the
cross-body sort and de-duplication matter), bodies with a field replaced by an
object, an array or odd scalars, a byte-order mark, a byte that is not UTF-8, a
truncated body, and portal error bodies. Both backends must return equivalent
outputs, or raise the same error with the same message and the same
``body_index``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundations.errors import PortalError, TransformInputError
from tests.rust_backend.parity import assert_same_outcome

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
SETTINGS = settings(
    max_examples=int(os.environ.get("ENERGY_TEST_PARITY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


WIND = [
    _read(n)
    for n in (
        "real/wind_namdong_20220101_reponse_reconstructed.json",
        "real/wind_namdong_20251231_reponse_reconstructed.json",
        "real/wind_namdong_20251231_edge_constructed.json",
        "wind_namdong_page1.json",
        "wind_namdong_reponse.json",
    )
]
PV = [
    _read(n)
    for n in (
        "real/pv_nambu_997S_20240601_02_rc800_items_reconstructed.xml",
        "real/pv_nambu_997S_20240601_rc800_single_reconstructed.xml",
        "real/pv_nambu_997S_20240601_rc00_single_reconstructed.xml",
        "pv_nambu_multi.xml",
        "pv_nambu_single.xml",
    )
]
ASOS = [
    _read(n)
    for n in (
        "real/asos_hourly_108_20190120_page_reconstructed.json",
        "asos_seoul_page.json",
        "asos_single_item.json",
        "asos_empty_items.json",
    )
]
ERRORS = {
    "wind": [_read("wind_namdong_error_limit.json"), _read("gateway_error_envelope.xml")],
    "pv": [_read("pv_nambu_error_resultcode.xml"), _read("gateway_error_envelope.xml")],
    "asos": [_read("asos_error_nodata.json"), _read("real/gateway_error_key_not_registered.xml")],
}

#: Values put into a field the transform reads: scalars it reads, and the
#: non-scalars it must refuse with the same message in both backends.
_odd_value = st.one_of(
    st.sampled_from(["", " 7 ", "x", "20240301", "2024-03-01 01:00", "1.5"]),
    st.none(),
    st.booleans(),
    st.integers(-5, 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just({"x": 1}),
    st.just([1, "a"]),
)


def _json_records(body: bytes, kind: str) -> tuple[dict[str, Any], list[Any]]:
    """The document and its record list (the list is the one inside the document)."""
    doc = json.loads(body)
    response = doc.get("response") or doc.get("reponse")
    page = response["body"]
    if kind == "wind":
        if isinstance(page["content"], dict):
            page["content"] = [page["content"]]
        return doc, page["content"]
    items = page.get("items")
    if not isinstance(items, dict) or not items.get("item"):
        return doc, []
    if isinstance(items["item"], dict):
        items["item"] = [items["item"]]
    return doc, items["item"]


@st.composite
def json_body(draw: st.DrawFn, kind: str) -> bytes:
    base = draw(st.sampled_from(WIND if kind == "wind" else ASOS))
    change = draw(st.sampled_from(["as is", "some records", "odd field", "bom", "bad byte", "cut"]))
    if change == "as is":
        return base
    if change == "bom":
        return b"\xef\xbb\xbf" + base
    if change == "bad byte":
        at = draw(st.integers(0, len(base)))
        return base[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + base[at:]
    if change == "cut":
        return base[: draw(st.integers(0, len(base) - 1))]
    doc, records = _json_records(base, kind)
    if change == "some records" and records:
        kept = draw(st.lists(st.integers(0, len(records) - 1), max_size=len(records) + 1))
        records[:] = [records[i] for i in kept]
    elif change == "odd field" and records:
        record = records[draw(st.integers(0, len(records) - 1))]
        name = draw(
            st.sampled_from(
                ["dgenYmd", "ippt", "hogi", "ipptNam", "qhorGen01", "qhorGen24"]
                if kind == "wind"
                else ["tm", "stnId", "stnNm", "ta", "hm"]
            )
        )
        record[name] = draw(_odd_value)
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8")


@st.composite
def pv_body(draw: st.DrawFn) -> bytes:
    base = draw(st.sampled_from(PV))
    change = draw(st.sampled_from(["as is", "some items", "nested field", "utf-16", "bad byte"]))
    if change == "as is":
        return base
    if change == "utf-16":
        return base.decode("utf-8").encode("utf-16")
    if change == "bad byte":
        at = draw(st.integers(0, len(base)))
        return base[:at] + b"\xff" + base[at:]
    root = ElementTree.fromstring(base)
    items = root.find(".//items")
    assert items is not None
    elems = items.findall("item") or [items]
    if change == "some items" and items.findall("item"):
        for elem in elems:
            if draw(st.booleans()):
                items.remove(elem)
    elif change == "nested field":
        elem = elems[draw(st.integers(0, len(elems) - 1))]
        fields = [child for child in elem if child.tag in ("gencd", "hogi", "ymd", "qhorgen07")]
        if fields:
            ElementTree.SubElement(draw(st.sampled_from(fields)), "x").text = "1"
    return ElementTree.tostring(root, encoding="utf-8")


def _batch(draw: st.DrawFn, kind: str, body: st.SearchStrategy[bytes]) -> list[bytes]:
    bodies = draw(st.lists(body, max_size=4))
    if draw(st.integers(0, 5)) == 0:
        bodies.insert(draw(st.integers(0, len(bodies))), draw(st.sampled_from(ERRORS[kind])))
    return bodies


def _same_body_index(python_fn: Any, rust_fn: Any, *args: Any) -> None:
    indexes = []
    for fn in (python_fn, rust_fn):
        try:
            fn(*args)
            indexes.append("ok")
        except (TransformInputError, PortalError) as exc:
            indexes.append(exc.body_index)
    assert indexes[0] == indexes[1]


@SETTINGS
@given(data=st.data(), label=st.sampled_from(["end", "legacy"]))
def test_wind_batch_parity(
    python_hooks: ModuleType, rust_hooks: ModuleType, data: st.DataObject, label: str
) -> None:
    bodies = _batch(data.draw, "wind", json_body("wind"))
    assert_same_outcome(python_hooks.wind_to_long, rust_hooks.wind_to_long, bodies, label)
    _same_body_index(python_hooks.wind_to_long, rust_hooks.wind_to_long, bodies, label)


@SETTINGS
@given(data=st.data())
def test_pv_batch_parity(
    python_hooks: ModuleType, rust_hooks: ModuleType, data: st.DataObject
) -> None:
    bodies = _batch(data.draw, "pv", pv_body())
    assert_same_outcome(python_hooks.pv_to_long, rust_hooks.pv_to_long, bodies)
    _same_body_index(python_hooks.pv_to_long, rust_hooks.pv_to_long, bodies)


@SETTINGS
@given(data=st.data(), fields=st.sampled_from([["ta", "hm"], ["ta"], []]))
def test_asos_batch_parity(
    python_hooks: ModuleType, rust_hooks: ModuleType, data: st.DataObject, fields: list[str]
) -> None:
    bodies = _batch(data.draw, "asos", json_body("asos"))
    assert_same_outcome(python_hooks.asos_to_frame, rust_hooks.asos_to_frame, bodies, fields)
    _same_body_index(python_hooks.asos_to_frame, rust_hooks.asos_to_frame, bodies, fields)
