"""Re-raise the native module's exceptions as the registry's exception types.

The native module does not import the registry (so it can be built and tested
on its own); it raises ``_native.InputError`` / ``_native.PortalError``, and
this glue turns them into exactly the types the python backend raises, with
the same ``source`` tag and, for a body of a batch, the same ``body_index``
(the native message already starts with ``body {i}: ``). ``_native.RustPanic`` (a ``RuntimeError``) passes
through untouched: it is a bug, and the registry may fall back on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from foundations.errors import PortalError, TransformInputError


@contextmanager
def native_errors(native: ModuleType, source: str) -> Iterator[None]:
    try:
        yield
    except native.InputError as exc:
        message, body_index = exc.args
        raise TransformInputError(message, body_index=body_index) from None
    except native.PortalError as exc:
        code, message, body_index = exc.args
        raise PortalError(code, message, source=source, body_index=body_index) from None
