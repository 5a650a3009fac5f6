"""Batches of bodies (T3-T5): telling a batch from one body or a record list, and tagging errors.

A T3-T5 hook takes one raw body, a sequence of raw bodies (the pages or days
one fetch step returned) or, for T3 and T4, a sequence of record dicts. The
two sequences are told apart by their elements: ``bytes``, ``bytearray``,
``memoryview`` or ``str`` elements are bodies; anything else is a record list.
An empty sequence is an empty batch (a record list without records gives the
same output). Each body of a batch is read and checked as it would be alone;
the first failing body's error is raised again with ``body {i}: `` before its
message (a :class:`PortalError` keeps its code; the prefix goes before its
message) and ``body_index = i``. Both backends use these helpers, so they
split and tag the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from foundations.errors import PortalError, TransformInputError
from portal import as_bytes

#: The types a raw body may have (a ``str`` body is read as its UTF-8 bytes).
BODY_TYPES = (bytes, bytearray, memoryview, str)

T = TypeVar("T")


def body_batch(payload: Any, source: str) -> list[bytes] | None:
    """The bodies of a batch as bytes; None when ``payload`` is one body or not a body sequence.

    A sequence whose first element is a body must hold only bodies.
    """
    if isinstance(payload, BODY_TYPES) or not isinstance(payload, Sequence):
        return None
    if len(payload) and not isinstance(payload[0], BODY_TYPES):
        return None
    bodies = []
    for index, body in enumerate(payload):
        if not isinstance(body, BODY_TYPES):
            raise TransformInputError(
                f"{source}: a batch of bodies holds raw bodies (bytes or str) only; element "
                f"{index} is a {type(body).__name__}"
            )
        bodies.append(as_bytes(body, source))
    return bodies


def in_body(error: TransformInputError | PortalError, index: int) -> Exception:
    """``error`` as the error of body ``index`` of a batch (module rule)."""
    if isinstance(error, PortalError):
        return PortalError(
            error.code, f"body {index}: {error.message}", source=error.source, body_index=index
        )
    return TransformInputError(f"body {index}: {error}", body_index=index)


def each_body(bodies: Sequence[bytes], read: Callable[[bytes], T]) -> list[T]:
    """``read`` of every body in order; the first failing body's error, tagged with its index."""
    out = []
    for index, body in enumerate(bodies):
        try:
            out.append(read(body))
        except (TransformInputError, PortalError) as exc:
            raise in_body(exc, index) from None
    return out
