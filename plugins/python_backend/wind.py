"""T3 ``wind_to_long``: Namdong wind hourly records (24 hour columns) to one row per hour.

Rules beyond the hook spec's docstring, which the rust backend follows too:

* the body's records are ``reponse.body.content`` (the misspelt key real
  answers use) or ``response.body.content``; a ``header``, when present, must
  carry a success code (``portal.SUCCESS_CODES``), and a body without one is
  read as a success; ``totalCount`` is absent in real answers and never read; a
  missing, null or empty ``content`` (or ``body``) is a page without records
  (the end of paging) and gives an empty frame; a single record given as an
  object instead of a list is read as a list of one;
* the ``qhorGen*`` check applies when there are records: if none of them has a
  key starting with ``qhorGen``, the payload is an error; a record lacking some
  of ``qhorGen01``..``qhorGen24`` has NaN for those hours;
* record fields other than ``dgenYmd``, ``ippt``, ``hogi``, ``ipptNam`` and
  ``qhorGen01``..``qhorGen24`` (``qsum``, ``qavg``, ``qvodMax``, ``qvodMin``,
  ``qvodMaxS``, ``qvodMinS``, ``eaidml``, ``eaiflag``, ``eaimsg``) are ignored;
  hourly values are numbers or numeric strings, ``null`` and ``""`` are NaN;
  a string holding a control character (``limits`` module rule) raises
  ``TransformInputError`` naming the record position and field;
* a raw body over ``[limits] max_body_bytes`` or nesting deeper than
  ``max_json_depth`` raises ``TransformInputError`` before it is parsed; so
  does a body that is not UTF-8 (``portal.bodies.utf8_text``);
* every field read (``qhorGen01``..``qhorGen24``, ``dgenYmd``, ``ippt``,
  ``hogi``, ``ipptNam``, checked in that order, record by record, before
  anything else) holds a string, number, boolean or null; the text fields
  ``ippt`` and ``ipptNam`` a string, an integer or null
  (``columns.check_scalars``);
* a batch of bodies (``backend_harness.batches``): each body is read and
  checked as it would be alone, then the bodies' rows are merged as if their
  records were one body's, in body order: de-duplicated across bodies (the
  last wins, counted in ``duplicates``) and sorted across them; reports add up;
* dates: ``YYYYMMDD`` or ``YYYY-MM-DD`` (strings or numbers, surrounding
  whitespace ignored); anything else drops the record, counted in
  ``dropped_bad_date``;
* among the records kept, a missing or empty ``ippt`` or a ``hogi`` that is not
  an integral number raises ``TransformInputError`` naming the 0-based record
  positions (the output columns have no missing value for them);
* ``hogi`` comes as a string (``"1"``) in real answers; ``plant_code`` is
  ``ippt`` as a stripped string; ``plant_name`` is
  ``f"{ipptNam} {unit}".strip()`` with the unit as parsed (``"01"`` -> ``1``)
  and a null ``ipptNam`` as ``""``;
* duplicates: among rows with the same (plant_code, unit, timestamp) the one
  from the latest record in input order is kept; ``duplicates`` counts the
  rows removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from backend_harness import frames
from backend_harness import limits as limits_module
from backend_harness.arguments import check_hour_label
from backend_harness.batches import BODY_TYPES, body_batch, each_body
from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from plugins.python_backend.columns import (
    UNPARSEABLE,
    as_records,
    check_scalars,
    describe_positions,
    field,
    hour_offsets_ns,
    integers,
    numbers,
    parse_days,
    texts,
)
from portal import as_bytes, check_body_size, load_json_response
from registry.contracts import TransformOutput

SOURCE = "wind_to_long"
HOURS = 24
HOUR_KEYS: tuple[str, ...] = tuple(f"qhorGen{n:02d}" for n in range(1, HOURS + 1))
#: Every field read, in the order their types are checked (the rust core's too).
SCALAR_FIELDS: tuple[str, ...] = (*HOUR_KEYS, "dgenYmd", "ippt", "hogi", "ipptNam")
TEXT_FIELDS = frozenset({"ippt", "ipptNam"})
KEYS = ["plant_code", "unit", "timestamp"]


def records_from_body(body: bytes, max_depth: int | None = None) -> list[Any]:
    """The record list of one page's raw JSON body (empty when the page has none)."""
    response = load_json_response(body, source=SOURCE, max_depth=max_depth)
    page = response.get("body")
    content = page.get("content") if isinstance(page, Mapping) else None
    if content is None or content == "":
        return []
    if isinstance(content, Mapping):
        return [content]
    if not isinstance(content, list):
        raise TransformInputError(
            f"{SOURCE}: response.body.content is a {type(content).__name__}, expected a list"
        )
    return content


def wind_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    hour_label: str = "end",
    limits: LimitSettings | None = None,
) -> TransformOutput:
    check_hour_label(hour_label)
    bounds = limits_module.resolve(limits)
    bodies = body_batch(payload, SOURCE)
    if bodies is not None:
        return merge(
            each_body(bodies, lambda body: from_body(body, hour_label, bounds)), hour_label
        )
    if isinstance(payload, BODY_TYPES):
        return from_body(as_bytes(payload, SOURCE), hour_label, bounds)
    return from_records(as_records(payload, SOURCE, records_from_body), hour_label)


def from_body(body: bytes, hour_label: str, bounds: LimitSettings) -> TransformOutput:
    """T3 on one raw body, refused beyond ``bounds`` before it is parsed."""
    check_body_size(body, bounds.max_body_bytes, SOURCE)
    records = as_records(body, SOURCE, lambda body: records_from_body(body, bounds.max_json_depth))
    return from_records(records, hour_label)


def merge(outputs: Sequence[TransformOutput], hour_label: str) -> TransformOutput:
    """The bodies' outputs as one, as if their records were one body's (module rule)."""
    if not outputs:
        return from_records([], hour_label)
    long = pd.concat([out.frame for out in outputs], ignore_index=True)
    dup = long.duplicated(subset=KEYS, keep="last").to_numpy()
    long = long[~dup].sort_values(KEYS, kind="stable")
    frame = frames.wind_frame(
        long["timestamp"].to_numpy(),
        long["plant_code"].to_numpy(dtype=object),
        long["unit"].to_numpy(),
        long["plant_name"].to_numpy(dtype=object),
        long["generation"].to_numpy(),
    )
    report = {
        "records": sum(out.report["records"] for out in outputs),
        "rows": len(frame),
        "dropped_bad_date": sum(out.report["dropped_bad_date"] for out in outputs),
        "duplicates": sum(out.report["duplicates"] for out in outputs) + int(dup.sum()),
    }
    return TransformOutput(frame=frame, report=report)


def from_records(records: Sequence[Mapping[str, Any]], hour_label: str) -> TransformOutput:
    """T3 on one body's record list (already checked to be objects)."""
    check_scalars(records, SCALAR_FIELDS, TEXT_FIELDS, SOURCE)
    n_records = len(records)
    if n_records and not any(
        key.startswith("qhorGen") for record in records for key in record if isinstance(key, str)
    ):
        raise TransformInputError(
            f"{SOURCE}: the payload has no qhorGen* field (expected qhorGen01..qhorGen24)"
        )

    day_ns = parse_days(field(records, "dgenYmd"))
    kept = np.flatnonzero(day_ns != UNPARSEABLE)
    dropped_bad_date = int(n_records - kept.size)
    kept_records = [records[int(i)] for i in kept]

    plant_code = texts(field(kept_records, "ippt"))
    unit, unit_ok = integers(field(kept_records, "hogi"))
    bad = ~unit_ok | (plant_code == "").to_numpy()
    if bad.any():
        raise TransformInputError(
            f"{SOURCE}: records at positions {describe_positions(kept[bad])} have a missing "
            "plant code (ippt) or a unit (hogi) that is not an integer"
        )
    # f"{ipptNam} {unit}".strip(): the name itself is not stripped first, as the legacy tables
    raw_name = pd.Series(field(kept_records, "ipptNam"), dtype=object).fillna("").astype("str")
    plant_name = (raw_name + " " + pd.Series(unit).astype("str")).str.strip()

    # record-major: row i * 24 + (N - 1) is label N of kept record i
    hourly = [record.get(key) for record in kept_records for key in HOUR_KEYS]
    corrupted = limits_module.first_control_character(hourly)
    if corrupted is not None:
        at, char = corrupted
        raise limits_module.control_character_error(
            SOURCE, "record", int(kept[at // HOURS]), HOUR_KEYS[at % HOURS], char
        )
    generation = numbers(hourly)

    offsets = hour_offsets_ns(np.arange(1, HOURS + 1), hour_label)
    timestamp = (day_ns[kept][:, None] + offsets[None, :]).ravel()
    long = pd.DataFrame(
        {
            "timestamp": timestamp,
            "plant_code": np.repeat(plant_code.to_numpy(dtype=object), HOURS),
            "unit": np.repeat(unit, HOURS),
            "plant_name": np.repeat(plant_name.to_numpy(dtype=object), HOURS),
            "generation": generation,
        }
    )
    dup = long.duplicated(subset=KEYS, keep="last").to_numpy()
    long = long[~dup].sort_values(KEYS, kind="stable")
    frame = frames.wind_frame(
        long["timestamp"].to_numpy(),
        long["plant_code"].to_numpy(),
        long["unit"].to_numpy(),
        long["plant_name"].to_numpy(),
        long["generation"].to_numpy(),
    )
    report = {
        "records": n_records,
        "rows": len(frame),
        "dropped_bad_date": dropped_bad_date,
        "duplicates": int(dup.sum()),
    }
    return TransformOutput(frame=frame, report=report)
