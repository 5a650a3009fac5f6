"""A raw response body as bytes, its text (UTF-8 only), and where its text starts.

Bodies are UTF-8, with an optional leading byte-order mark: the portal answers
in UTF-8, so a body in another encoding was damaged or did not come from it,
and guessing its encoding would let two backends read it differently. Such a
body is refused with one message, which the rust core writes too
(``crates/energy_transforms/src/body.rs``), naming the 0-based offset of the
first byte that is not UTF-8 in the body as given.
"""

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


def utf8_text(body: bytes, source: str) -> str:
    """The body's text without a leading byte-order mark; a body not in UTF-8 raises."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TransformInputError(
            f"{source}: body is not UTF-8 (invalid byte at offset {exc.start}); the portal sends "
            "UTF-8, so re-fetch the answer or convert it to UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def strip_start(body: bytes) -> bytes:
    """Without leading whitespace and UTF-8 byte order mark (either order)."""
    return body.lstrip().removeprefix(_BOM).lstrip()


def looks_like_xml(body: bytes) -> bool:
    """Whether the body's text (past whitespace and a BOM) starts with ``<``."""
    return strip_start(body).startswith(b"<")
