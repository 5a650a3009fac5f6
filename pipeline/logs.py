"""One logging call for flow code: Prefect's run logger inside a run, structlog outside.

Inside a Prefect run the message must reach the run logger to show in the
Prefect UI and the API's run log; outside (plain-function runs, tests) there is
no run context and ``get_run_logger()`` raises, so structlog takes it. This
module never brings Prefect in: it uses Prefect's logging only if a flow has
already imported it, so code that runs without Prefect does not pay its import.

Inside a run the message is ``event {json fields}`` (what the Prefect UI
shows); the event and its fields also travel on the record as
``energy_event``/``energy_fields``, from which :mod:`foundations.log_config`
writes them to the log file as keys of their own, like any structlog record.
Where the record is shown (console, file) is decided there, not here.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import structlog

_log = structlog.get_logger("pipeline")


def _run_logger() -> logging.LoggerAdapter[Any] | logging.Logger | None:
    # Prefect is optional here: only if a flow already imported it (so a run may
    # be under way) is its run logger looked up. The import stays inside this
    # function on purpose: pipeline/ must not import Prefect at module level
    # (tests/flows/test_layout.py), and by now it costs nothing.
    module = sys.modules.get("prefect.logging")
    if module is None:
        return None
    from prefect.exceptions import MissingContextError

    try:
        run_logger: logging.LoggerAdapter[Any] | logging.Logger = module.get_run_logger()
        return run_logger
    except MissingContextError:
        return None


def emit(level: int, event: str, **fields: Any) -> None:
    """Log ``event`` with ``fields`` (values must already be free of secrets)."""
    logger = _run_logger()
    if logger is None:
        _log.log(level, event, **fields)
        return
    detail = json.dumps(fields, ensure_ascii=False, default=str, sort_keys=True) if fields else ""
    logger.log(
        level,
        f"{event} {detail}".rstrip(),
        extra={"energy_event": event, "energy_fields": fields},
    )


def info(event: str, **fields: Any) -> None:
    emit(logging.INFO, event, **fields)


def warning(event: str, **fields: Any) -> None:
    emit(logging.WARNING, event, **fields)


def error(event: str, **fields: Any) -> None:
    emit(logging.ERROR, event, **fields)
