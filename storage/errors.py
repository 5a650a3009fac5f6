"""Errors of the storage layer.

Every message is safe to log: a database URL only ever appears redacted
(``render_as_string(hide_password=True)``), never with its password.
"""

from __future__ import annotations

from foundations.errors import EnergyError


class StorageError(EnergyError):
    """A database operation failed (connection lost, constraint violated, ...)."""


class FrameError(StorageError, ValueError):
    """A frame handed to a loader does not have the contract's columns or values.

    Raised before any database work, so nothing was written.
    """


class SchemaVersionError(StorageError):
    """The database was created by a different schema version than this code expects."""


class PartialLoadError(StorageError):
    """A per-day PV load stopped part-way: some days were written, the rest were not.

    Each day is its own transaction, so every day is either fully old or fully
    new; ``committed`` lists the ``(gencd, hogi, day)`` already written and
    ``failed`` the one whose transaction was rolled back. A re-run is safe.
    """

    def __init__(
        self,
        message: str,
        committed: list[tuple[str, int, object]],
        failed: tuple[str, int, object],
    ):
        super().__init__(message)
        self.committed = committed
        self.failed = failed
