"""Errors raised by the registry and by transforms.

Every message names the problem and the fix; none of them may carry a
secret (service keys, database passwords), so they are safe to log.
"""

from __future__ import annotations

from collections.abc import Iterable


class EnergyError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(EnergyError):
    """A setting, environment name or backend name is invalid."""


class UnknownNameError(ConfigError):
    """A name (environment, backend, transform) is not one of the valid ones."""

    def __init__(self, kind: str, value: object, valid: Iterable[str], where: str) -> None:
        self.kind = kind
        self.value = value
        self.valid = sorted(valid)
        self.where = where
        super().__init__(
            f"unknown {kind} {value!r} (from {where}); valid {kind}s: {', '.join(self.valid)}"
        )


class BackendUnavailable(EnergyError):
    """A backend cannot run: not installed, native module missing, handshake failed.

    Raised by a backend plugin module at import time (``reason`` says why and
    how to fix it) and by the registry when a chosen backend is absent.
    """

    def __init__(self, backend: str, reason: str) -> None:
        self.backend = backend
        self.reason = reason
        super().__init__(f"backend {backend!r} is unavailable: {reason}")


class TransformInputError(EnergyError, ValueError):
    """The input of a transform is malformed (bad rows, missing columns or fields).

    It is raised identically by every backend; the registry never falls back on
    it, because another backend would reject the same input for the same reason.
    ``body_index`` is the 0-based index of the failing body when a T3-T5 hook was
    given a batch of bodies (its message then starts with ``body {i}: ``), else None.
    """

    def __init__(self, message: str, *, body_index: int | None = None) -> None:
        super().__init__(message)
        self.body_index = body_index


class PortalError(EnergyError):
    """The data.go.kr portal answered with an error instead of data.

    ``code`` is the portal result code (``"03"`` no data, ``"30"`` key not
    registered, ...) or the gateway's ``returnReasonCode``; ``message`` is the
    portal's own text. Raised by the payload transforms (T3-T5) and by the
    HTTP sources, so a flow handles one error type whichever detected it.
    ``body_index`` is the 0-based index of the error body when a T3-T5 hook was
    given a batch of bodies (``message`` then starts with ``body {i}: ``), else None.
    """

    def __init__(
        self, code: str, message: str, *, source: str = "", body_index: int | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.source = source
        self.body_index = body_index
        where = f"{source}: " if source else ""
        super().__init__(f"{where}portal error {code}: {message}")
