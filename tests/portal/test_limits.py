"""portal.limits: the raw-body checks, with the messages every backend writes."""

from __future__ import annotations

import pytest

import portal
from foundations.errors import TransformInputError
from foundations.settings import LimitSettings
from portal import limits


def test_default_depth_is_the_settings_default() -> None:
    # portal may not import foundations.settings; the two numbers must stay equal.
    assert LimitSettings().max_json_depth == limits.DEFAULT_MAX_JSON_DEPTH


def test_body_size_limit_message() -> None:
    limits.check_body_size(b"x" * 10, 10, "s")
    with pytest.raises(TransformInputError) as info:
        limits.check_body_size(b"x" * 11, 10, "s")
    assert str(info.value) == (
        "s: the body is 11 bytes, more than the limit of 10 bytes; raise [limits] "
        "max_body_bytes (ENERGY_LIMITS__MAX_BODY_BYTES) if a real answer is this large"
    )


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"", 0),
        (b"{}", 1),
        (b'{"a": [[1], {"b": []}]}', 4),
        (b'{"a": "[[[[\\"[[["}', 1),
        (b'["\\\\", [[]]]', 3),
        (b"[" * 100_000, 100_000),
    ],
)
def test_json_depth_counts_brackets_outside_strings(body: bytes, depth: int) -> None:
    assert limits.json_depth(body) == depth


def test_parse_json_refuses_deep_nesting_before_json_loads() -> None:
    deepest_allowed = b"[" * 64 + b"]" * 64
    assert portal.parse_json(deepest_allowed, source="s") is not None
    with pytest.raises(TransformInputError) as info:
        portal.parse_json(b"[" * 100_000, source="s")
    assert str(info.value) == (
        "s: the JSON body nests 100000 levels deep, more than the limit of 64; raise [limits] "
        "max_json_depth (ENERGY_LIMITS__MAX_JSON_DEPTH, at most 500) if a real answer nests "
        "this deep"
    )
    with pytest.raises(TransformInputError, match="nests 3 levels deep, more than the limit of 2"):
        portal.load_json_response(b'{"response": {"body": []}}', source="s", max_depth=2)


def test_a_body_that_is_not_utf8_is_refused_before_its_depth_is_measured() -> None:
    with pytest.raises(
        TransformInputError, match=r"^s: body is not UTF-8 \(invalid byte at offset 0\)"
    ):
        portal.parse_json(b"\xff" + b"[" * 100, source="s")
