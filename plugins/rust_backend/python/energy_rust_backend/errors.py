"""Re-raise the native module's exceptions as the registry's exception types.

The native module does not import the registry (so it can be built and tested
on its own); it raises ``_native.InputError`` / ``_native.PortalError``, and
this glue turns them into exactly the types the python backend raises, with
the same ``source`` tag. ``_native.RustPanic`` (a ``RuntimeError``) passes
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
        raise TransformInputError(str(exc)) from None
    except native.PortalError as exc:
        code, message = exc.args
        raise PortalError(code, message, source=source) from None
