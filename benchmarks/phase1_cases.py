"""The Phase 1 cases: one name per (transform, input shape, size), and the two calls it times.

A case name is all a fresh subprocess needs to rebuild the same input
(:mod:`benchmarks.rss_probe`), so the names are plain strings:

* ``impute_missing_values:<shape>:<form>:<rows>`` (shapes and forms of
  :mod:`benchmarks.t2_inputs`);
* ``<wind_to_long|pv_to_long|asos_to_frame>:batch:<bodies>``: one call on a
  batch of real-format bodies (:mod:`benchmarks.rust_payloads`).

Both calls go through the backends' hook functions (``plugins.python_backend``
and ``energy_rust_backend.plugin``), so whatever implementation is installed
is what gets measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import plugins.python_backend as python_hooks
from benchmarks import rust_payloads, t2_inputs
from registry.contracts import ImputeOptions

T2 = "impute_missing_values"
#: Batch transforms -> (batch builder, the hook's arguments after the payload, what a body is).
BATCHES: dict[str, tuple[Callable[[int], list[bytes]], tuple[Any, ...], str]] = {
    "wind_to_long": (
        rust_payloads.wind_pages,
        ("end",),
        f"wind pages of {rust_payloads.WIND_PAGE_RECORDS} records (JSON, top key `reponse`)",
    ),
    "pv_to_long": (
        rust_payloads.pv_day_bodies,
        (),
        "PV day bodies, one plant/unit-day item each (XML, header 800, ymd YYYY-MM-DD)",
    ),
    "asos_to_frame": (
        rust_payloads.asos_pages,
        (["ta", "hm"],),
        f"ASOS pages of {rust_payloads.ASOS_PAGE_ITEMS} hourly items (one station-day, values as strings)",
    ),
}
FORM_LABELS = {
    "text": "text CSV (string times and values)",
    "datetime64": "datetime64 tm, float values",
}
SHAPE_LABELS = {
    "legacy": "legacy shape (114 stations)",
    "project": "project generator",
}


@dataclass
class BuiltCase:
    name: str
    transform: str
    #: Go/No-Go group: T2's shape and form, or "batch" for T3-T5.
    group: str
    #: The input size in its own unit (rows for T2, bodies for a batch).
    size: int
    unit: str
    python: Callable[[], Any]
    rust: Callable[[], Any]
    #: Anything the report shows about the input (bytes, storage types).
    details: str = ""
    #: The input itself, for extras that need it (T2's kernels-only timing).
    payload: Any = None


def t2_name(shape: str, form: str, rows: int) -> str:
    return f"{T2}:{shape}:{form}:{rows}"


def batch_name(transform: str, bodies: int) -> str:
    return f"{transform}:batch:{bodies}"


def group_label(transform: str, group: str) -> str:
    if transform == T2:
        shape, form = group.split("/")
        return f"{SHAPE_LABELS[shape]}, {FORM_LABELS[form]}"
    return BATCHES[transform][2]


def warmup_name(name: str) -> str:
    """A small case of the same transform and input form: warms imports, pools and caches up."""
    transform, kind, *rest = name.split(":")
    if transform == T2:
        return t2_name(kind, rest[0], 228)
    return batch_name(transform, 1)


def build(name: str) -> BuiltCase:
    """The case ``name``: its input built, both backends' calls ready to run."""
    from energy_rust_backend import plugin as rust_hooks

    transform, kind, *rest = name.split(":")
    if transform == T2:
        form, rows = rest[0], int(rest[1])
        frame = t2_inputs.build(kind, form, rows)
        options = ImputeOptions()
        return BuiltCase(
            name, T2, f"{kind}/{form}", len(frame), "rows",
            lambda: python_hooks.impute_missing_values(frame, options, None),
            lambda: rust_hooks.impute_missing_values(frame, options, None),
            details="input columns: " + t2_inputs.input_dtypes(frame),
            payload=frame,
        )  # fmt: skip
    if transform in BATCHES and kind == "batch":
        make, extra, _ = BATCHES[transform]
        bodies = make(int(rest[0]))
        py_hook, rs_hook = getattr(python_hooks, transform), getattr(rust_hooks, transform)
        size_kib = sum(len(b) for b in bodies) / 1024
        return BuiltCase(
            name, transform, "batch", len(bodies), "bodies",
            lambda: py_hook(bodies, *extra),
            lambda: rs_hook(bodies, *extra),
            details=f"{size_kib:,.0f} KiB of bodies",
            payload=bodies,
        )  # fmt: skip
    raise ValueError(f"unknown case {name!r}")
