"""structlog set-up: console lines for people, JSON lines for production log shippers."""

from __future__ import annotations

import logging
import sys

import structlog

from registry.settings import LoggingSettings


def configure_logging(settings: LoggingSettings) -> None:
    """Configure structlog (and the stdlib root logger) from the environment's settings.

    Safe to call again: each run applies its own environment's format.
    """
    level = getattr(logging, settings.level)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # stderr: stdout belongs to command output (tables, --json) that users pipe.
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, force=True, format="%(levelname)s %(name)s: %(message)s")
