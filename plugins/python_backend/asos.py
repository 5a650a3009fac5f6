"""T5 ``asos_to_frame``: KMA ASOS hourly JSON to a frame, one row per item in payload order.

Rules beyond the hook spec's docstring, which the rust backend follows too:

* the header's ``resultCode`` must be a success code (``00``; see
  ``portal.SUCCESS_CODES``); the paging fields of ``body`` (``pageNo``,
  ``numOfRows``, ``totalCount``, JSON numbers, absent from a lone record) are
  not read;
* the items are ``response.body.items.item``; ``items`` may be ``""``, null,
  absent, ``{}`` or ``{"item": []}`` (no items), ``{"item": {...}}`` (one item
  as an object) or ``{"item": [...]}``; a list given directly as ``items`` is
  read as the item list;
* ``fields`` must be distinct names other than ``tm``, ``stnId`` and
  ``stnNm``; a bare string is refused (pass ``["ta"]``, not ``"ta"``);
* a field is "lacking" when any item has no such key; the error names the
  field (and the first item positions that lack it);
* every item must have a ``tm`` of the form ``YYYY-MM-DD HH:MM`` and an
  integral ``stnId``: the output has one row per item, so a bad one raises
  ``TransformInputError`` naming the item positions instead of being dropped;
* ``stnNm`` is stripped (``""`` when null); values follow
  ``columns.numbers``: the API sends every value as a string, and ``""`` (a
  missing observation, QC flag ``"9"``) or null is NaN; a value holding a
  control character (``limits`` module rule) raises ``TransformInputError``
  naming the first requested field that has one and its first such item.
  Fields not requested (the QC flags and the other ~30 of a
  record's ~38) are ignored;
* a body over ``[limits] max_body_bytes`` or nesting deeper than
  ``max_json_depth`` raises ``TransformInputError`` before it is parsed; so
  does a body that is not UTF-8 (``portal.bodies.utf8_text``);
* every field read (``tm``, ``stnId``, ``stnNm``, then ``fields`` in order,
  checked item by item before anything else) holds a string, number, boolean
  or null; the text field ``stnNm`` a string, an integer or null
  (``columns.check_scalars``);
* a batch of bodies (``backend_harness.batches``): each body is read and
  checked as it would be alone; the frame has the bodies' rows in body order,
  then item order; reports add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from backend_harness import frames
from backend_harness import limits as limits_module
from backend_harness.arguments import DEFAULT_FIELDS, check_fields
from backend_harness.batches import BODY_TYPES, body_batch, each_body
from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from plugins.python_backend.columns import (
    UNPARSEABLE,
    as_records,
    check_scalars,
    describe_positions,
    field,
    integers,
    numbers,
    parse_timestamps,
    texts,
)
from portal import as_bytes, check_body_size, json_items, load_json_response
from registry.contracts import TransformOutput

SOURCE = "asos_to_frame"
TM_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}"


def items_from_body(body: bytes, max_depth: int | None = None) -> list[Any]:
    response = load_json_response(body, source=SOURCE, max_depth=max_depth)
    return json_items(response, source=SOURCE)


def asos_to_frame(
    payload: bytes | Sequence[bytes | str],
    fields: Sequence[str] = DEFAULT_FIELDS,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    fields = check_fields(fields)
    bounds = limits_module.resolve(limits)
    bodies = body_batch(payload, SOURCE)
    if bodies is not None:
        return merge(each_body(bodies, lambda body: from_body(body, fields, bounds)), fields)
    if not isinstance(payload, BODY_TYPES):
        raise TransformInputError(
            f"{SOURCE}: expected the raw response body as bytes, or a sequence of them, "
            f"got {type(payload).__name__}"
        )
    return from_body(as_bytes(payload, SOURCE), fields, bounds)


def merge(outputs: Sequence[TransformOutput], fields: tuple[str, ...]) -> TransformOutput:
    """The bodies' frames as one: body order, then item order; reports added up."""
    frame = frames.asos_frame(
        np.concatenate([out.frame["tm"].to_numpy() for out in outputs] or [np.empty(0, "M8[ns]")]),
        np.concatenate([out.frame["stnId"].to_numpy() for out in outputs] or [np.empty(0, int)]),
        np.concatenate(
            [out.frame["stnNm"].to_numpy(dtype=object) for out in outputs] or [np.empty(0, object)]
        ),
        {
            name: np.concatenate([out.frame[name].to_numpy() for out in outputs] or [np.empty(0)])
            for name in fields
        },
    )
    return TransformOutput(frame=frame, report={"items": len(frame), "rows": len(frame)})


def from_body(payload: bytes, fields: tuple[str, ...], bounds: LimitSettings) -> TransformOutput:
    """T5 on one raw body, refused beyond ``bounds`` before it is parsed."""
    check_body_size(payload, bounds.max_body_bytes, SOURCE)
    items = as_records(payload, SOURCE, lambda body: items_from_body(body, bounds.max_json_depth))
    check_scalars(items, ("tm", "stnId", "stnNm", *fields), frozenset({"stnNm"}), SOURCE)

    for name in fields:
        lacking = np.flatnonzero([name not in item for item in items])
        if lacking.size:
            raise TransformInputError(
                f"{SOURCE}: requested field {name!r} is missing from the payload "
                f"(items {describe_positions(lacking)})"
            )

    tm_ns = parse_timestamps(field(items, "tm"), TM_PATTERN, "%Y-%m-%d %H:%M")
    stn_id, stn_ok = integers(field(items, "stnId"))
    bad_rows = np.flatnonzero((tm_ns == UNPARSEABLE) | ~stn_ok)
    if bad_rows.size:
        raise TransformInputError(
            f"{SOURCE}: items {describe_positions(bad_rows)} have a time (tm, 'YYYY-MM-DD HH:MM') "
            "or station id (stnId) that does not parse"
        )
    raw_values = {name: field(items, name) for name in fields}
    for name, values in raw_values.items():
        corrupted = limits_module.first_control_character(values)
        if corrupted is not None:
            at, char = corrupted
            raise limits_module.control_character_error(SOURCE, "item", at, name, char)
    frame = frames.asos_frame(
        tm_ns,
        stn_id,
        texts(field(items, "stnNm")).to_numpy(dtype=object),
        {name: numbers(values) for name, values in raw_values.items()},
    )
    return TransformOutput(frame=frame, report={"items": len(items), "rows": len(frame)})
