"""Schema drift: notice when an API's answers change shape, and stop when the contract breaks.

A *signature* is a plain JSON-able dict computed from raw success bodies::

    {"source": "wind", "records": 93,
     "fields":   {"dgenYmd": ["string"], "qhorGen01": ["null", "number", "string"], ...},
     "envelope": {"response.body.content": ["array"], "response.header.resultCode": ["string"], ...}}

* ``fields``: every key of every record, with the JSON types seen
  (``string``, ``number``, ``boolean``, ``null``, ``object``, ``array``, and
  ``empty`` for ``""``); for XML, every child element of every item, typed
  ``text`` (or ``elements`` if it has children of its own) — XML has no
  types, so presence is what counts. ``null``, ``""`` and an empty XML
  element are missing values: they never count as a type change.
* ``envelope``: every other path of the document down to the records
  (``reponse`` is read as ``response``, so the wind API's misspelling is not
  drift).

:func:`compare` gives a :class:`DriftReport` of a current signature against a
baseline: new fields, missing fields, retyped fields (a type seen now that
the baseline never had, missing values aside), and envelope paths.

Policy (:data:`REQUIRED_FIELDS`, :data:`REQUIRED_GROUPS`, :data:`REQUIRED_ENVELOPE`):

* a field the transform contract needs (e.g. ``dgenYmd`` for T3, ``tm`` and
  the imputed columns for T5/T2, at least one ``qhorGenNN``) missing from a
  body set that has records is an error: :meth:`DriftReport.raise_for_required`
  raises :class:`SchemaDriftError` and the run must stop before loading;
  this check needs no baseline;
* everything else (new, missing or retyped optional fields, envelope
  changes) is a warning, :meth:`DriftReport.warnings`, meant for the run's
  notification.

Baselines are storage-agnostic: :func:`merge` folds a run's signature into
the baseline (the union of everything accepted so far, so a new field warns
once, while a missing one warns on every run that lacks it). Keeping the
baseline is the caller's business: the flows keep it in the database
(:func:`pipeline.drift.check_drift`, table ``source_signatures``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from foundations.errors import EnergyError
from portal import load_json_response, load_xml_response
from sources.base import ASOS, PV, WIND

Signature = dict[str, Any]

#: Record fields each transform needs (T5 + T2 defaults for ASOS, T3 wind, T4 PV).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    ASOS: ("tm", "stnId", "stnNm", "ta", "hm"),
    WIND: ("dgenYmd", "ippt", "hogi", "ipptNam"),
    PV: ("ymd", "gencd", "hogi", "ipptnm"),
}
#: Field families of which at least one member must be present (the hourly values).
REQUIRED_GROUPS: dict[str, tuple[str, ...]] = {
    ASOS: (),
    WIND: (r"qhorGen\d{2}",),
    PV: (r"qhorgen\d{2}",),
}
#: Envelope paths the sources and transforms read.
REQUIRED_ENVELOPE: dict[str, tuple[str, ...]] = {
    ASOS: ("response.body.totalCount", "response.body.items"),
    WIND: ("response.body.content",),
    PV: ("response.body.items",),
}
#: Where the records sit (JSON sources); the envelope walk stops there.
_RECORD_PATHS: dict[str, str] = {ASOS: "response.body.items.item", WIND: "response.body.content"}
_MISSING_VALUE_TYPES = {"null", "empty"}


class SchemaDriftError(EnergyError):
    """A payload lacks what the transform contract needs; the run must stop."""


# -- signatures ------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        # The APIs write a missing value as "" as often as null.
        return "string" if value else "empty"
    if isinstance(value, list):
        return "array"
    return "object"


def _add(target: dict[str, set[str]], key: str, kind: str) -> None:
    target.setdefault(key, set()).add(kind)


def _walk_json(node: Any, path: str, stop: str, env: dict[str, set[str]]) -> Any:
    """Record envelope types along ``node``; return the value found at ``stop`` (or None)."""
    _add(env, path, _json_type(node))
    if path == stop:
        return node
    found = None
    if isinstance(node, dict):
        for key, child in node.items():
            got = _walk_json(child, f"{path}.{key}", stop, env)
            if got is not None:
                found = got
    return found


def _json_signature(
    source: str, body: bytes
) -> tuple[dict[str, set[str]], dict[str, set[str]], int]:
    response = load_json_response(body, source=source)
    env: dict[str, set[str]] = {}
    records = _walk_json(response, "response", _RECORD_PATHS[source], env)
    if isinstance(records, dict):  # a single item written as an object
        records = [records]
    fields: dict[str, set[str]] = {}
    count = 0
    for record in records or []:
        if not isinstance(record, dict):
            continue
        count += 1
        for key, value in record.items():
            _add(fields, key, _json_type(value))
    return fields, env, count


def _xml_signature(
    source: str, body: bytes
) -> tuple[dict[str, set[str]], dict[str, set[str]], int]:
    from sources.pv_xml import item_elements, items_element

    root = load_xml_response(body, source=source)
    items = items_element(root)
    env: dict[str, set[str]] = {}

    def walk(elem: Element, path: str) -> None:
        _add(env, path, "elements" if len(elem) else "text")
        if elem is items:
            return
        for child in elem:
            walk(child, f"{path}.{child.tag}")

    walk(root, root.tag)
    fields: dict[str, set[str]] = {}
    records = item_elements(root)
    for item in records:
        for child in item:
            _add(fields, child.tag, "elements" if len(child) else "text")
    return fields, env, len(records)


def _freeze(d: dict[str, set[str]]) -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in sorted(d.items())}


def compute_signature(source: str, body: bytes) -> Signature:
    """The signature of one success body of ``source`` (``asos``, ``wind`` or ``pv``).

    Error bodies raise ``PortalError``; unreadable ones ``TransformInputError``.
    """
    if source == PV:
        fields, env, count = _xml_signature(source, body)
    elif source in _RECORD_PATHS:
        fields, env, count = _json_signature(source, body)
    else:
        raise ValueError(f"unknown source {source!r}; expected one of {ASOS}, {WIND}, {PV}")
    return {"source": source, "records": count, "fields": _freeze(fields), "envelope": _freeze(env)}


def merge(a: Signature | None, b: Signature) -> Signature:
    """The union of two signatures of the same source (types and fields of both)."""
    if a is None:
        copy: Signature = json.loads(json.dumps(b))
        return copy
    if a["source"] != b["source"]:
        raise ValueError(f"cannot merge signatures of {a['source']!r} and {b['source']!r}")
    out: Signature = {"source": a["source"], "records": a["records"] + b["records"]}
    for part in ("fields", "envelope"):
        merged: dict[str, set[str]] = {}
        for sig in (a, b):
            for key, kinds in sig[part].items():
                merged.setdefault(key, set()).update(kinds)
        out[part] = _freeze(merged)
    return out


def signature_of(source: str, bodies: Iterable[bytes]) -> Signature:
    """The merged signature of several bodies (the pages of one run)."""
    sig: Signature | None = None
    for body in bodies:
        sig = merge(sig, compute_signature(source, body))
    if sig is None:
        return {"source": source, "records": 0, "fields": {}, "envelope": {}}
    return sig


# -- comparison ------------------------------------------------------------------------


@dataclass
class DriftReport:
    """How a run's signature differs from the baseline, and what the contract says about it."""

    source: str
    new: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    retyped: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    envelope_new: list[str] = field(default_factory=list)
    envelope_missing: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    #: False when the bodies had no records, so field checks were skipped.
    judged_fields: bool = True

    @property
    def has_drift(self) -> bool:
        return bool(
            self.new
            or self.missing
            or self.retyped
            or self.envelope_new
            or self.envelope_missing
            or self.missing_required
        )

    def warnings(self) -> list[str]:
        """One line per non-fatal difference, for logs and the run notification."""
        s = self.source
        out = [
            f"{s}: new field {k!r} ({', '.join(v)}) not in the baseline"
            for k, v in self.new.items()
        ]
        out += [
            f"{s}: field {k!r} of the baseline is absent from this run's payloads"
            for k in self.missing
        ]
        out += [
            f"{s}: field {k!r} changed type: baseline {', '.join(old)}; now {', '.join(new)}"
            for k, (old, new) in self.retyped.items()
        ]
        out += [f"{s}: new envelope path {p!r}" for p in self.envelope_new]
        out += [
            f"{s}: envelope path {p!r} of the baseline is absent" for p in self.envelope_missing
        ]
        return out

    def raise_for_required(self) -> None:
        """Raise :class:`SchemaDriftError` if a contract field or envelope path is missing."""
        if self.missing_required:
            raise SchemaDriftError(
                f"{self.source}: the payloads lack required field(s) "
                f"{', '.join(self.missing_required)} that the transform contract needs; the API's "
                "schema changed, so the run stops before loading anything. Check the API's "
                "documentation, then update the transform and REQUIRED_* in sources/schema_drift.py"
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "new": self.new,
            "missing": self.missing,
            "retyped": {k: {"baseline": o, "now": n} for k, (o, n) in self.retyped.items()},
            "envelope_new": self.envelope_new,
            "envelope_missing": self.envelope_missing,
            "missing_required": self.missing_required,
        }


def _required_missing(
    current: Signature, required: Sequence[str], groups: Sequence[str], envelope: Sequence[str]
) -> list[str]:
    out: list[str] = []
    if current["records"]:
        out += [f for f in required if f not in current["fields"]]
        for pattern in groups:
            rx = re.compile(pattern)
            if not any(rx.fullmatch(f) for f in current["fields"]):
                out.append(f"one of /{pattern}/")
    out += [f"envelope {p}" for p in envelope if p not in current["envelope"]]
    return out


def compare(
    baseline: Signature | None,
    current: Signature,
    *,
    required: Sequence[str] | None = None,
    extra_required: Sequence[str] = (),
) -> DriftReport:
    """Differences of ``current`` from ``baseline`` and the contract check.

    ``required`` replaces the source's :data:`REQUIRED_FIELDS`;
    ``extra_required`` adds to it (e.g. ``settings.pipeline.impute_columns``).
    With no baseline only the contract is checked.
    """
    source = current["source"]
    if baseline is not None and baseline["source"] != source:
        raise ValueError(f"baseline is for {baseline['source']!r}, current for {source!r}")
    req = tuple(required if required is not None else REQUIRED_FIELDS.get(source, ()))
    req += tuple(f for f in extra_required if f not in req)
    report = DriftReport(source=source, judged_fields=bool(current["records"]))
    report.missing_required = _required_missing(
        current, req, REQUIRED_GROUPS.get(source, ()), REQUIRED_ENVELOPE.get(source, ())
    )
    if baseline is None:
        return report
    env_now, env_base = current["envelope"], baseline["envelope"]
    report.envelope_new = sorted(p for p in env_now if p not in env_base)
    report.envelope_missing = sorted(
        p for p in env_base if p not in env_now and f"envelope {p}" not in report.missing_required
    )
    if not current["records"]:
        return report
    now, base = current["fields"], baseline["fields"]
    report.new = {k: v for k, v in now.items() if k not in base}
    report.missing = sorted(k for k in base if k not in now and k not in req)
    for key, kinds in now.items():
        if key in base:
            known = set(base[key]) - _MISSING_VALUE_TYPES
            extra = set(kinds) - known - _MISSING_VALUE_TYPES
            # A field the baseline only ever saw empty has no type yet: its first
            # real value (a QC flag that was "" until now) is not a retype.
            if known and extra:
                report.retyped[key] = (list(base[key]), list(kinds))
    return report
