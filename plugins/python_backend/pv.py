"""T4 ``pv_to_long``: Nambu PV per plant/unit/day XML to one row per hour.

Rules beyond the hook spec's docstring, which the rust backend follows too:

* the header's ``resultCode`` is ``800`` (``NORMAL_SERVICE.``, the documented
  success header of this service) or ``00``; any other code raises PortalError
  (``portal.SUCCESS_CODES``);
* the records are the ``<item>`` children of the first ``<items>`` element;
  when ``<items>`` has no ``<item>`` child but other child elements, ``<items>``
  itself is the one record (the API's single-record shape); an empty
  ``<items/>``, or a ``<body>`` without ``<items>``, has no records; an XML
  document with neither ``<items>`` nor ``<body>`` is an error; the paging
  elements that follow ``<items>`` inside ``<body>`` (``numOfRows``, ``pageNo``,
  ``totalCnt``, older ``totalCount``) are not read;
* field values are the elements' text, stripped; an empty or absent element
  is missing; numbers follow ``columns.numbers`` (an empty string is NaN);
  a numeric value holding a control character (``limits`` module rule; XML
  can carry only tab, newline and carriage return) raises
  ``TransformInputError`` naming the first such valid item (an invalid one,
  dropped below, is not read) by its 0-based position among all items, and the
  field, hourly fields before daily ones;
* a body over ``[limits] max_body_bytes`` raises ``TransformInputError``
  before it is parsed; so does a body that is not UTF-8, whatever its XML
  declaration says (``portal.parsing.parse_xml`` parses the decoded text);
* every field read (``qhorgen01``..``qhorgen24``, ``qvodgen``, ``qvodavg``,
  ``qvodmax``, ``qvodmin``, ``ymd``, ``hogi``, ``gencd``, ``ipptnm``, checked in
  that order, item by item, before anything else) holds text: a field element
  with child elements is an error, and so is, in a list of item dicts, an
  object or array (and a boolean or non-integral number in the text fields
  ``gencd`` and ``ipptnm``; ``columns.check_scalars``);
* a batch of bodies (``backend_harness.batches``): each body is read and
  checked as it would be alone, then the rows of all bodies are sorted as if
  their items were one body's, in body order; reports add up;
* a missing hourly value is NaN, never 0. (The legacy loader wrote 0, which
  hid the gap from imputation and from the reports.)
* ``ymd``: ``YYYY-MM-DD`` (documented answers) or ``YYYYMMDD`` (older
  answers), both valid; ``gencd``: a non-empty
  string after stripping; ``hogi``: an integral number. An item failing any of
  the three is dropped and counted in ``dropped_invalid``;
* ``plant_name`` is ``ipptnm`` stripped (``""`` when absent);
* items are not de-duplicated: rows keep the input order within equal
  (gencd, hogi, datetime).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from backend_harness import frames
from backend_harness import limits as limits_module
from backend_harness.batches import BODY_TYPES, body_batch, each_body
from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from plugins.python_backend.columns import (
    UNPARSEABLE,
    XML_ELEMENTS,
    XmlElements,
    as_records,
    check_scalars,
    field,
    hour_offsets_ns,
    integers,
    numbers,
    parse_days,
    texts,
)
from portal import as_bytes, check_body_size, load_xml_response
from registry.contracts import TransformOutput

SOURCE = "pv_to_long"
HOURS = 24
HOUR_KEYS: tuple[str, ...] = tuple(f"qhorgen{n:02d}" for n in range(1, HOURS + 1))
#: Output column -> item field, for the per-day values repeated on each hour.
DAILY_FIELDS = {
    "daily_total": "qvodgen",
    "daily_avg": "qvodavg",
    "daily_max": "qvodmax",
    "daily_min": "qvodmin",
}
#: Every field read, in the order their types are checked (the rust core's too).
SCALAR_FIELDS: tuple[str, ...] = (
    *HOUR_KEYS,
    *DAILY_FIELDS.values(),
    "ymd",
    "hogi",
    "gencd",
    "ipptnm",
)
TEXT_FIELDS = frozenset({"gencd", "ipptnm"})
KEYS = ["gencd", "hogi", "datetime"]


def _record(elem: Element) -> dict[str, str | XmlElements]:
    return {child.tag: XML_ELEMENTS if len(child) else (child.text or "").strip() for child in elem}


def records_from_body(body: bytes) -> list[dict[str, str | XmlElements]]:
    """The item records of a raw XML body, in document order (both shapes)."""
    root = load_xml_response(body, source=SOURCE)
    items = root if root.tag == "items" else root.find(".//items")
    if items is None:
        if root.tag == "body" or root.find(".//body") is not None:
            return []
        raise TransformInputError(f"{SOURCE}: XML body has no <items> (root <{root.tag}>)")
    children = items.findall("item")
    if children:
        return [_record(item) for item in children]
    if len(items):
        return [_record(items)]
    return []


def pv_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    limits: LimitSettings | None = None,
) -> TransformOutput:
    bounds = limits_module.resolve(limits)
    bodies = body_batch(payload, SOURCE)
    if bodies is not None:
        return merge(each_body(bodies, lambda body: from_body(body, bounds)))
    if isinstance(payload, BODY_TYPES):
        return from_body(as_bytes(payload, SOURCE), bounds)
    return from_records(as_records(payload, SOURCE, records_from_body))


def from_body(body: bytes, bounds: LimitSettings) -> TransformOutput:
    """T4 on one raw body, refused beyond ``bounds`` before it is parsed."""
    check_body_size(body, bounds.max_body_bytes, SOURCE)
    return from_records(as_records(body, SOURCE, records_from_body))


def merge(outputs: Sequence[TransformOutput]) -> TransformOutput:
    """The bodies' outputs as one, as if their items were one body's (module rule)."""
    if not outputs:
        return from_records([])
    long = pd.concat([out.frame for out in outputs], ignore_index=True)
    long = long.sort_values(KEYS, kind="stable")
    frame = frames.pv_frame(
        long["datetime"].to_numpy(),
        long["gencd"].to_numpy(dtype=object),
        long["plant_name"].to_numpy(dtype=object),
        long["hogi"].to_numpy(dtype=np.int64),
        long["generation"].to_numpy(),
        **{name: long[name].to_numpy() for name in DAILY_FIELDS},
    )
    report = {
        "items": sum(out.report["items"] for out in outputs),
        "rows": len(frame),
        "dropped_invalid": sum(out.report["dropped_invalid"] for out in outputs),
    }
    return TransformOutput(frame=frame, report=report)


def from_records(records: Sequence[Mapping[str, Any]]) -> TransformOutput:
    """T4 on one body's item list (already checked to be objects)."""
    check_scalars(records, SCALAR_FIELDS, TEXT_FIELDS, SOURCE)
    n_items = len(records)

    day_ns = parse_days(field(records, "ymd"))
    gencd = texts(field(records, "gencd"))
    hogi, hogi_ok = integers(field(records, "hogi"))
    valid = (day_ns != UNPARSEABLE) & hogi_ok & (gencd != "").to_numpy()
    kept = np.flatnonzero(valid)
    kept_records = [records[int(i)] for i in kept]
    m = kept.size

    # Per kept item, its 24 hourly values then its four daily ones: the order
    # in which the first control character is reported (item, then field).
    numeric_keys = HOUR_KEYS + tuple(DAILY_FIELDS.values())
    raw = [record.get(key) for record in kept_records for key in numeric_keys]
    corrupted = limits_module.first_control_character(raw)
    if corrupted is not None:
        at, char = corrupted
        width = len(numeric_keys)
        raise limits_module.control_character_error(
            SOURCE, "item", int(kept[at // width]), numeric_keys[at % width], char
        )
    # record-major: row i * 24 + (N - 1) is label N of kept record i
    generation = numbers([record.get(key) for record in kept_records for key in HOUR_KEYS])
    daily = {name: numbers(field(kept_records, key)) for name, key in DAILY_FIELDS.items()}

    offsets = hour_offsets_ns(np.arange(1, HOURS + 1), "end")
    datetime_ns = (day_ns[kept][:, None] + offsets[None, :]).ravel()
    gencd_kept = gencd.to_numpy(dtype=object)[kept]
    hogi_kept = hogi[kept]
    # stable sort by (gencd, hogi, datetime): np.lexsort is stable, its last key the primary
    order = np.lexsort((datetime_ns, np.repeat(hogi_kept, HOURS), np.repeat(gencd_kept, HOURS)))
    row_item = np.repeat(np.arange(m), HOURS)[order]
    names = texts(field(kept_records, "ipptnm")).to_numpy(dtype=object)

    frame = frames.pv_frame(
        datetime_ns[order],
        gencd_kept[row_item],
        names[row_item],
        hogi_kept[row_item],
        generation[order],
        **{name: values[row_item] for name, values in daily.items()},
    )
    report = {"items": n_items, "rows": len(frame), "dropped_invalid": int(n_items - m)}
    return TransformOutput(frame=frame, report=report)
