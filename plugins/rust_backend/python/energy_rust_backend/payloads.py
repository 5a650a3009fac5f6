"""T3..T5 glue: argument checks, bytes to Rust, Rust's columns to the shared frame builders.

The argument checks (hour label, payload type, ``fields``) are the python
backend's own functions, imported from it, so a bad call fails the same way on
either backend. The input limits (body size, JSON depth) and the
control-character rule are enforced by the Rust core itself, with the messages
of ``portal/limits.py`` (body size, JSON depth) and of the python backend's
``backend_harness/limits.py`` (control characters); the glue only hands
it the ``[limits]`` values. A raw body is made bytes by :func:`portal.as_bytes`,
the one the python backend uses. A batch of bodies (told from a record list by
:func:`backend_harness.batches.body_batch`, as the python backend tells it)
goes to Rust in one call, as a list of ``bytes`` whose buffers Rust borrows;
it reads them in parallel with the GIL released and returns one set of
columns. A list of record dicts (instead of a raw body) is serialised
to one JSON array and read by the same Rust record reader: ``json.dumps``
keeps every float and int exact, and values JSON cannot hold are written as
``str(v)``, which is what the python backend's ``astype("str")`` reads from
them too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from backend_harness import frames
from backend_harness.arguments import DEFAULT_FIELDS as ASOS_DEFAULT_FIELDS
from backend_harness.arguments import check_fields, check_hour_label
from backend_harness.batches import BODY_TYPES, body_batch
from backend_harness.limits import resolve as resolve_limits
from energy_rust_backend.errors import native_errors
from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from portal import as_bytes
from registry.contracts import TransformOutput


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def _records_json(records: Sequence[Any]) -> bytes:
    """A list of record dicts as one JSON array (non-str keys, which no field matches, skipped)."""
    return json.dumps(list(records), default=_jsonable, skipkeys=True).encode("utf-8")


def _payload(payload: Any, source: str) -> tuple[bytes, bool]:
    """``(bytes, is_record_list)`` for a raw body or a sequence of record dicts."""
    if isinstance(payload, BODY_TYPES):
        return as_bytes(payload, source), False
    if isinstance(payload, Sequence):
        return _records_json(payload), True
    raise TransformInputError(
        f"{source}: expected the raw body (bytes) or a list of record dicts, "
        f"got {type(payload).__name__}"
    )


def _strings(column: tuple[list[str], np.ndarray]) -> np.ndarray:
    values, codes = column
    strings: np.ndarray = np.asarray(values, dtype=object)[codes]
    return strings


def wind_to_long(
    native: ModuleType, payload: Any, hour_label: str = "end", limits: LimitSettings | None = None
) -> TransformOutput:
    source = "wind_to_long"
    check_hour_label(hour_label)
    bounds = resolve_limits(limits)
    bodies = body_batch(payload, source)
    with native_errors(native, source):
        if bodies is not None:
            columns = native.wind_to_long_batch(
                bodies, hour_label, bounds.max_body_bytes, bounds.max_json_depth
            )
        else:
            body, is_records = _payload(payload, source)
            columns = native.wind_to_long(
                body, hour_label, is_records, bounds.max_body_bytes, bounds.max_json_depth
            )
    timestamp, code, unit, name, generation, report = columns
    frame = frames.wind_frame(timestamp, _strings(code), unit, _strings(name), generation)
    records, dropped_bad_date, duplicates = report
    return TransformOutput(
        frame=frame,
        report={
            "records": records,
            "rows": len(frame),
            "dropped_bad_date": dropped_bad_date,
            "duplicates": duplicates,
        },
    )


def pv_to_long(
    native: ModuleType, payload: Any, limits: LimitSettings | None = None
) -> TransformOutput:
    source = "pv_to_long"
    bounds = resolve_limits(limits)
    bodies = body_batch(payload, source)
    with native_errors(native, source):
        if bodies is not None:
            columns = native.pv_to_long_batch(bodies, bounds.max_body_bytes)
        else:
            body, is_records = _payload(payload, source)
            columns = native.pv_to_long(body, is_records, bounds.max_body_bytes)
    datetime, gencd, name, hogi, generation, daily, report = columns
    total, avg, high, low = daily
    frame = frames.pv_frame(
        datetime,
        _strings(gencd),
        _strings(name),
        hogi,
        generation,
        daily_total=total,
        daily_avg=avg,
        daily_max=high,
        daily_min=low,
    )
    items, dropped_invalid = report
    return TransformOutput(
        frame=frame, report={"items": items, "rows": len(frame), "dropped_invalid": dropped_invalid}
    )


def asos_to_frame(
    native: ModuleType,
    payload: Any,
    fields: Sequence[str] = ASOS_DEFAULT_FIELDS,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    source = "asos_to_frame"
    names = check_fields(fields)
    bounds = resolve_limits(limits)
    bodies = body_batch(payload, source)
    if bodies is None and not isinstance(payload, BODY_TYPES):
        raise TransformInputError(
            f"{source}: expected the raw response body as bytes, or a sequence of them, "
            f"got {type(payload).__name__}"
        )
    with native_errors(native, source):
        if bodies is not None:
            columns = native.asos_to_frame_batch(
                bodies, list(names), bounds.max_body_bytes, bounds.max_json_depth
            )
        else:
            columns = native.asos_to_frame(
                as_bytes(payload, source), list(names), bounds.max_body_bytes, bounds.max_json_depth
            )
    tm, stn_id, stn_nm, values = columns
    frame = frames.asos_frame(tm, stn_id, _strings(stn_nm), dict(zip(names, values, strict=True)))
    return TransformOutput(frame=frame, report={"items": len(frame), "rows": len(frame)})
