"""A raw response body as bytes, and where its text starts."""

from __future__ import annotations

from typing import Any

from foundations.errors import TransformInputError

_BOM = b"\xef\xbb\xbf"


def as_bytes(body: Any, source: str) -> bytes:
    """A raw body (bytes, bytearray, memoryview or str as UTF-8) as bytes; anything else raises."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise TransformInputError(
        f"{source}: expected the raw response body as bytes, got {type(body).__name__}"
    )


def strip_start(body: bytes) -> bytes:
    """Without leading whitespace and UTF-8 byte order mark (either order)."""
    return body.lstrip().removeprefix(_BOM).lstrip()


def looks_like_xml(body: bytes) -> bool:
    """Whether the body's text (past whitespace and a BOM) starts with ``<``."""
    return strip_start(body).startswith(b"<")
