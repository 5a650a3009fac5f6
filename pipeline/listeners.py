"""Process-local listeners: progress and finished runs, for the command line.

Flows take only JSON-able parameters (Prefect records them), so a progress bar
or a collector of summaries cannot be passed to a flow. The CLI registers a
listener here instead; the flow cores, which run in the same process (Prefect's
ephemeral mode and ``flow()`` calls run the flow in the caller's process),
report to every registered listener. Listener errors never affect a run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

import structlog

if TYPE_CHECKING:
    from pipeline.summary import FlowSummary

log = structlog.get_logger("pipeline.listeners")


class RunListener(Protocol):
    """What a listener may implement; every method is optional."""

    def progress_started(self, label: str, total: int) -> None: ...

    def progress_advanced(self, label: str, done: int) -> None: ...

    def run_finished(self, summary: FlowSummary) -> None: ...


_lock = threading.Lock()
_listeners: list[object] = []


@contextmanager
def listening(listener: object) -> Iterator[object]:
    """Register ``listener`` for the duration of the block."""
    with _lock:
        _listeners.append(listener)
    try:
        yield listener
    finally:
        with _lock:
            _listeners.remove(listener)


def emit(method: str, *args: object) -> None:
    """Call ``method`` on every listener that has it; a failing listener is logged, not raised."""
    with _lock:
        current = list(_listeners)
    for listener in current:
        handler = getattr(listener, method, None)
        if handler is None:
            continue
        try:
            handler(*args)
        except Exception:  # a broken progress bar must not fail a data load
            log.warning(
                "listener.failed", listener=type(listener).__name__, method=method, exc_info=True
            )
