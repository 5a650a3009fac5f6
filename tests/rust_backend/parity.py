"""Run one hook on both backends and compare outcomes: equal outputs, or the same error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from foundations.errors import PortalError, TransformInputError
from registry.equivalence import differences


def outcome(fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except PortalError as exc:
        return "portal", (exc.code, exc.message, exc.source)
    except TransformInputError as exc:
        return "input", str(exc)


def assert_same_outcome(
    python_fn: Callable[..., Any], rust_fn: Callable[..., Any], *args: Any
) -> str:
    """Both succeed with equivalent outputs, or both raise the same error; returns the kind."""
    expected, actual = outcome(python_fn, *args), outcome(rust_fn, *args)
    assert expected[0] == actual[0], (expected, actual)
    kind = expected[0]
    if kind == "ok":
        diffs = differences(expected[1], actual[1])
        assert not diffs, diffs
    elif kind == "portal":
        assert expected[1] == actual[1]
    elif "malformed" not in expected[1]:
        # Parser diagnostics (line/column wording) may differ; everything else is word for word.
        assert expected[1] == actual[1]
    return kind
