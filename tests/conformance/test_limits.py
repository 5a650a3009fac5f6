"""Bounded work on hostile input: ``[limits]`` and corrupted numbers, the same in every backend.

The probes these reproduce at small scale: a 200 MB body in T3 (minutes, 10 GB),
``[`` x 100,000 (``RecursionError`` in the python backend), a 1-row frame with
10^6 columns in T2 (killed after 300 s), and a cell ``5\\x002`` read as a gap.
Every case asserts the exact message, so the backends' messages are equal to
each other as well as to the contract's wording; ``test_messages_are_identical``
also compares them directly. No test measures time: the limits are shown to
refuse the input, and the refusal is the bound.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from registry import Registry, Settings
from registry.contracts import ImputeOptions
from registry.discovery import Backends
from tests.conformance import payload

CallTransform = Callable[..., Any]

DEFAULTS = LimitSettings()


def body_message(source: str, size: int, limit: int) -> str:
    return (
        f"{source}: the body is {size} bytes, more than the limit of {limit} bytes; raise "
        "[limits] max_body_bytes (ENERGY_LIMITS__MAX_BODY_BYTES) if a real answer is this large"
    )


def depth_message(source: str, depth: int, limit: int) -> str:
    return (
        f"{source}: the JSON body nests {depth} levels deep, more than the limit of {limit}; "
        "raise [limits] max_json_depth (ENERGY_LIMITS__MAX_JSON_DEPTH, at most 500) if a real "
        "answer nests this deep"
    )


def control_message(source: str, what: str, position: int, name: str, code: int) -> str:
    return (
        f"{source}: {what} {position} field {name!r} holds the control character U+{code:04X} "
        "in a numeric value; a corrupted value is an input error, not a gap (a gap is an empty "
        "string or null)"
    )


def columns_message(what: str, n: int, limit: int) -> str:
    return (
        f"{what} has {n} columns, more than the limit of {limit}; pass only the time, station "
        "and value columns, or raise [limits] max_columns (ENERGY_LIMITS__MAX_COLUMNS)"
    )


def input_error(call: CallTransform, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(TransformInputError) as info:
        call(*args, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- settings


def test_limits_are_one_settings_table_with_sane_defaults(raise_settings: Settings) -> None:
    assert raise_settings.limits == LimitSettings(
        max_body_bytes=64 * 1024 * 1024, max_json_depth=64, max_columns=1_000
    )


def test_limits_are_overridable_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from registry import load_settings

    monkeypatch.setenv("ENERGY_LIMITS__MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("ENERGY_LIMITS__MAX_JSON_DEPTH", "8")
    monkeypatch.setenv("ENERGY_LIMITS__MAX_COLUMNS", "12")
    assert load_settings("test").limits == LimitSettings(
        max_body_bytes=1000, max_json_depth=8, max_columns=12
    )


# --------------------------------------------------------------------------- body size

BODIES = [
    ("wind_to_long", "wind_namdong_page1.json", {"hour_label": "end"}),
    ("pv_to_long", "pv_nambu_multi.xml", {}),
    ("asos_to_frame", "asos_seoul_page.json", {"fields": ["ta", "hm"]}),
]


@pytest.mark.parametrize(("transform", "name", "kwargs"), BODIES)
def test_body_one_byte_over_the_limit_is_refused(
    call_transform: CallTransform, transform: str, name: str, kwargs: dict[str, Any]
) -> None:
    body = payload(name)
    exact = LimitSettings(max_body_bytes=len(body))
    assert call_transform(transform, body, limits=exact, **kwargs).rows > 0
    small = LimitSettings(max_body_bytes=len(body) - 1)
    message = input_error(call_transform, transform, body, limits=small, **kwargs)
    assert message == body_message(transform, len(body), len(body) - 1)


def test_body_limit_counts_utf8_bytes_of_a_str_body(call_transform: CallTransform) -> None:
    text = payload("asos_seoul_page.json").decode("utf-8")  # holds Hangul: 3 bytes a character
    size = len(text.encode("utf-8"))
    assert size > len(text)
    limits = LimitSettings(max_body_bytes=size - 1)
    message = input_error(call_transform, "asos_to_frame", text, ["ta"], limits=limits)
    assert message == body_message("asos_to_frame", size, size - 1)


def test_a_body_over_the_default_limit_is_refused_before_it_is_parsed(
    call_transform: CallTransform,
) -> None:
    # Not JSON at all: only a size check that runs first can answer with the size.
    body = b" " * (DEFAULTS.max_body_bytes + 1)
    message = input_error(call_transform, "wind_to_long", body, hour_label="end")
    assert message == body_message("wind_to_long", len(body), DEFAULTS.max_body_bytes)


# --------------------------------------------------------------------------- JSON depth

JSON_TRANSFORMS = [("wind_to_long", {"hour_label": "end"}), ("asos_to_frame", {"fields": ["ta"]})]


@pytest.mark.parametrize(("transform", "kwargs"), JSON_TRANSFORMS)
def test_100000_open_brackets_are_a_clean_input_error(
    call_transform: CallTransform, transform: str, kwargs: dict[str, Any]
) -> None:
    # The python backend used to raise RecursionError from json.loads here.
    message = input_error(call_transform, transform, b"[" * 100_000, **kwargs)
    assert message == depth_message(transform, 100_000, DEFAULTS.max_json_depth)


@pytest.mark.parametrize(("transform", "kwargs"), JSON_TRANSFORMS)
def test_depth_is_measured_on_a_real_body_against_the_configured_limit(
    call_transform: CallTransform, transform: str, kwargs: dict[str, Any]
) -> None:
    name = "wind_namdong_page1.json" if transform == "wind_to_long" else "asos_seoul_page.json"
    body = payload(name)
    depth = 5 if transform == "wind_to_long" else 6  # response > body > ... > record
    out = call_transform(transform, body, limits=LimitSettings(max_json_depth=depth), **kwargs)
    assert out.rows
    message = input_error(
        call_transform, transform, body, limits=LimitSettings(max_json_depth=depth - 1), **kwargs
    )
    assert message == depth_message(transform, depth, depth - 1)


def test_brackets_inside_strings_and_escaped_quotes_do_not_count(
    call_transform: CallTransform,
) -> None:
    doc = json.loads(payload("asos_seoul_page.json"))
    # A string full of brackets, with escaped quotes and backslashes in it.
    doc["response"]["header"]["resultMsg"] = '[[[["\\' * 200 + '\\"{{{{'
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    out = call_transform("asos_to_frame", body, ["ta"], limits=LimitSettings(max_json_depth=6))
    assert out.rows
    doc["response"]["body"]["deep"] = json.loads("[" * 65 + "]" * 65)
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    message = input_error(call_transform, "asos_to_frame", body, ["ta"])
    # The document, "response" and "body" objects are 3 levels above the 65 of "deep".
    assert message == depth_message("asos_to_frame", 68, 64)


def test_a_utf16_body_is_refused_before_its_depth_is_measured(
    call_transform: CallTransform,
) -> None:
    body = ("[" * 70).encode("utf-16")  # bodies are UTF-8; the BOM is the first bad byte
    message = input_error(call_transform, "wind_to_long", body, hour_label="end")
    assert message == (
        "wind_to_long: body is not UTF-8 (invalid byte at offset 0); the portal sends UTF-8, "
        "so re-fetch the answer or convert it to UTF-8"
    )


# --------------------------------------------------------------------------- T2 columns


def _wide_frame(n_columns: int) -> pd.DataFrame:
    """One row: tm, stnNm, ta, then passthrough columns up to ``n_columns`` in all."""
    values = np.full((1, n_columns), "1", dtype=object)
    values[0, 0] = "2024-01-01 00:00"
    values[0, 1] = "108"
    names = ["tm", "stnNm", "ta", *(f"c{i}" for i in range(3, n_columns))]
    return pd.DataFrame(values, columns=names)


def test_one_row_with_more_columns_than_the_limit_is_refused(call_transform: CallTransform) -> None:
    options = ImputeOptions(columns=("ta",))
    limits = LimitSettings(max_columns=10)
    out = call_transform("impute_missing_values", _wide_frame(10), options, None, limits=limits)
    assert out.frame.shape == (1, 10)
    message = input_error(
        call_transform, "impute_missing_values", _wide_frame(11), options, None, limits=limits
    )
    assert message == columns_message("frame", 11, 10)


def test_a_frame_of_100001_columns_fails_by_the_default_column_limit(
    call_transform: CallTransform,
) -> None:
    # The probe's 10^6 columns ran for 300 s; with the limit nothing is read at all.
    frame = _wide_frame(100_001)
    options = ImputeOptions(columns=("ta",))
    message = input_error(call_transform, "impute_missing_values", frame, options, None)
    assert message == columns_message("frame", 100_001, DEFAULTS.max_columns)


def test_history_with_more_columns_than_the_limit_is_refused(call_transform: CallTransform) -> None:
    options = ImputeOptions(columns=("ta",))
    limits = LimitSettings(max_columns=5)
    message = input_error(
        call_transform, "impute_missing_values", _wide_frame(3), options, _wide_frame(6),
        limits=limits,
    )  # fmt: skip
    assert message == columns_message("history", 6, 5)


# --------------------------------------------------------------------------- control characters


def test_a_nul_inside_a_t2_value_is_an_error_naming_the_rows(call_transform: CallTransform) -> None:
    frame = pd.DataFrame(
        {
            "tm": ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00", "2024-01-01 03:00"],
            "stnNm": ["108"] * 4,
            "ta": ["1.5", "5\x002", " 7\t", "abc"],
        }
    )
    options = ImputeOptions(columns=("ta",))
    message = input_error(call_transform, "impute_missing_values", frame, options, None)
    assert message == (
        "frame value column 'ta' holds control characters at rows [1] (0-based positions), "
        "e.g. '5\\x002'; a corrupted value is an input error, not a gap (a gap is an empty "
        "cell or NaN)"
    )
    # Surrounding whitespace and ordinary non-numbers keep the contract: 7.0 and a gap.
    frame.loc[1, "ta"] = ""
    out = call_transform("impute_missing_values", frame, options, None, limits=DEFAULTS)
    assert out.frame["ta"].iloc[2] == 7.0
    assert out.frame["ta"].notna().all()  # rows 1 and 3 were gaps, and were filled


def _wind_body(records: list[dict[str, Any]]) -> bytes:
    doc = {"reponse": {"header": {"resultCode": "00"}, "body": {"content": records}}}
    return json.dumps(doc).encode("utf-8")


def _wind_record(plant: str, **hours: str) -> dict[str, Any]:
    record: dict[str, Any] = {"dgenYmd": "20240301", "ippt": plant, "hogi": "1", "ipptNam": "w"}
    record.update({f"qhorGen{h:02d}": "1.0" for h in range(1, 25)})
    record.update(hours)
    return record


def test_a_nul_inside_a_wind_value_names_the_record_and_field(
    call_transform: CallTransform,
) -> None:
    records = [
        _wind_record("9997", qhorGen02="abc", qhorGen03=""),
        _wind_record("9995", qhorGen05="5\x002", qhorGen07="\x1f"),
        _wind_record("9996", qhorGen01="5\x002"),
    ]
    expected = control_message("wind_to_long", "record", 1, "qhorGen05", 0)
    body = _wind_body(records)
    assert input_error(call_transform, "wind_to_long", body, hour_label="end") == expected
    # A list of record dicts is read by the same rule.
    assert input_error(call_transform, "wind_to_long", records, hour_label="end") == expected
    # A record dropped for its date is never read, so its values raise nothing.
    records[1]["dgenYmd"] = "not a day"
    records[2]["qhorGen01"] = "\t2.5\n"
    out = call_transform("wind_to_long", _wind_body(records), hour_label="end")
    assert out.report["dropped_bad_date"] == 1
    generation = out.frame.set_index("plant_code")["generation"]
    assert np.isnan(generation["9997"].iloc[1]) and generation["9996"].iloc[0] == 2.5


def test_a_control_character_inside_a_pv_value_names_the_item_and_field(
    call_transform: CallTransform,
) -> None:
    item = {"ymd": "2024-06-01", "hogi": "1", "gencd": "B997", "ipptnm": "p"}
    hours = {f"qhorgen{h:02d}": "1" for h in range(1, 25)}
    daily = {"qvodgen": "24", "qvodavg": "1", "qvodmax": "1", "qvodmin": "1"}
    items = [
        {**item, **hours, **daily},
        {**item, "gencd": "", **hours, "qhorgen01": "5\x002"},  # invalid item: dropped, not read
        {**item, **hours, **daily, "qvodmax": "5\x012"},
    ]
    expected = control_message("pv_to_long", "item", 2, "qvodmax", 1)
    assert input_error(call_transform, "pv_to_long", items) == expected
    # XML cannot carry a NUL; a tab inside a number is a control character too.
    xml = payload("pv_nambu_multi.xml").replace(b"<qhorgen03>", b"<qhorgen03>5\t", 1)
    assert xml != payload("pv_nambu_multi.xml")
    message = input_error(call_transform, "pv_to_long", xml)
    assert message == control_message("pv_to_long", "item", 0, "qhorgen03", 9)


def test_a_nul_inside_an_asos_value_names_the_item_and_field(call_transform: CallTransform) -> None:
    doc = json.loads(payload("asos_seoul_page.json"))
    items = doc["response"]["body"]["items"]["item"]
    items[3]["hm"] = "5\x002"
    items[2]["hm"] = "not a number"
    items[5]["ta"] = "1\x7f"  # DEL is not a C0 control: an ordinary non-number, NaN
    items[4]["hm"] = "\x00"
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    message = input_error(call_transform, "asos_to_frame", body, ["ta", "hm"])
    assert message == control_message("asos_to_frame", "item", 3, "hm", 0)
    out = call_transform("asos_to_frame", body, ["ta"])
    assert np.isnan(out.frame["ta"].iloc[5])


# --------------------------------------------------------------------------- both backends at once

HOSTILE: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = {
    "body": (
        "pv_to_long",
        (payload("pv_nambu_single.xml"),),
        {"limits": LimitSettings(max_body_bytes=100)},
    ),
    "depth": ("asos_to_frame", (b'{"a": "[", "b": ' + b"[" * 100_000,), {"fields": ["ta"]}),
    "columns": ("impute_missing_values", (_wide_frame(1_001), ImputeOptions(), None), {}),
    "control": (
        "wind_to_long",
        (_wind_body([_wind_record("9997"), _wind_record("9996", qhorGen24="1\x00")]),),
        {"hour_label": "legacy"},
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_messages_are_identical(
    case: str, raise_settings: Settings, discovered_backends: Backends
) -> None:
    names = sorted(discovered_backends.available)
    if len(names) < 2:
        pytest.skip(f"only {names} installed: nothing to compare")
    transform, args, kwargs = HOSTILE[case]
    registry = Registry(raise_settings, discovered_backends, environ={})
    messages = {
        name: input_error(registry.call, transform, *args, backend=name, **kwargs) for name in names
    }
    assert len(set(messages.values())) == 1, messages
