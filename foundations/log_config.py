"""Logging set-up: a quiet console for people, JSON lines for files and log shippers.

Where records go
----------------
* structlog records (every ``structlog.get_logger(name)`` of the project) are
  handed to the stdlib logger ``energy.<name>``; its parent ``energy`` does not
  propagate and holds this module's handlers, so nothing another library does
  to the root logger (Prefect configures it when imported and again when its
  temporary server starts) redirects or silences them.
* Records of other libraries (httpx, Prefect's flow- and task-run loggers,
  ...) reach the same handlers through the root logger.

The handlers
------------
* The console handler writes to the current ``sys.stderr`` (stdout belongs to
  command output that users pipe). Its level:

  - ``format = "json"`` (production, read by a log shipper): ``level`` from the
    settings (INFO), whatever the command line says; ``-vv`` lowers it to DEBUG;
  - ``format = "console"`` on a command line (:func:`set_verbosity` called):
    WARNING, each record on one line; ``-v`` INFO, ``-vv`` DEBUG (tracebacks
    shown in full);
  - ``format = "console"`` elsewhere (tests, library use, a Prefect worker):
    ``level`` from the settings, as before.

* While :func:`log_file` is active (``energy run`` and ``energy backfill``),
  a file handler writes every record at INFO and above as one JSON object per
  line, whatever the console shows.

Both pass every string of every record (the message, each field, nested
values, a formatted traceback) through :func:`foundations.redaction.redact`,
so a registered secret, a ``serviceKey=`` parameter or a URL password is
masked in the file exactly as on the console.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from structlog.stdlib import ProcessorFormatter
from structlog.typing import EventDict, Processor, WrappedLogger

from foundations.redaction import redact
from foundations.settings import LoggingSettings

#: The stdlib logger under which structlog records travel (``energy.<name>``).
HUB_LOGGER = "energy"

#: Level of the log file: every record at INFO and above, whatever the console shows.
FILE_LEVEL = logging.INFO

#: Log files older than this (by modification time) are deleted when a new one
#: is opened in the same directory; only names matching :data:`LOG_FILE_GLOB`.
LOG_RETENTION_DAYS = 30
LOG_FILE_GLOB = "energy-*.jsonl"

#: Attributes Prefect puts on its run loggers' records, copied into the record.
_PREFECT_RECORD_FIELDS = ("flow_run_name", "flow_run_id", "task_run_name", "task_run_id")
#: Keys a record's own fields may not replace.
_RESERVED = frozenset({"event", "level", "timestamp", "logger"})

_lock = threading.RLock()
_settings: LoggingSettings | None = None
_verbosity: int | None = None
_file_handler: logging.Handler | None = None


class ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that always writes to the current ``sys.stderr``.

    Looked up per record, not bound once, so a replaced ``sys.stderr`` (a test
    runner's capture, rich's redirect under a progress bar) never leaves a
    closed stream behind. Public name on purpose: Prefect keeps the root
    logger's handlers when one of them is a user's (not ``_``-prefixed) handler.
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class JsonLinesFileHandler(logging.FileHandler):
    """The log file of one command: JSON lines, UTF-8, flushed after every record."""


class PrefectApiTraffic(logging.Filter):
    """Drops httpx's request lines for Prefect's own API (its client's bookkeeping, dozens a run).

    The API is ``PREFECT_API_URL`` when set, else Prefect's temporary server
    on the loopback interface (``http://127.0.0.1:<port>/api/``). Requests to
    the portals and to Slack are kept.
    """

    _EPHEMERAL = re.compile(r"^HTTP Request: [A-Z]+ http://(127\.0\.0\.1|localhost):\d+/api/")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "httpx":
            return True
        message = record.getMessage()
        if self._EPHEMERAL.match(message):
            return False
        api = os.environ.get("PREFECT_API_URL", "").rstrip("/")
        return not (api and message.split(" ", 3)[-1].startswith(api + "/"))


_console_handler = ConsoleHandler()
_console_handler.addFilter(PrefectApiTraffic())


# -- processors -------------------------------------------------------------------------


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {_redacted(k) if isinstance(k, str) else k: _redacted(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_redacted(v) for v in value]
    return redact(value)  # anything else as the text a renderer would show


def _redact_fields(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Every value of the record through :func:`redact` (exception info is formatted first)."""
    return {
        key: value if key in ("exc_info", "_record", "_from_structlog") else _redacted(value)
        for key, value in event_dict.items()
    }


def _logger_name(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    record = event_dict.get("_record")
    if record is not None and "logger" not in event_dict:
        name = record.name
        if name.startswith(HUB_LOGGER + "."):
            name = name[len(HUB_LOGGER) + 1 :]
        event_dict["logger"] = name
    return event_dict


def _foreign_fields(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """A stdlib record's structured parts: Prefect's run names, :mod:`pipeline.logs` fields."""
    record = event_dict.get("_record")
    if record is None:
        return event_dict
    for name in _PREFECT_RECORD_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            event_dict[name] = str(value)
    event = getattr(record, "energy_event", None)
    if event is not None:
        # pipeline.logs inside a Prefect run: the message is "event {json}",
        # for Prefect's UI; the file gets the event and its fields as keys.
        event_dict["event"] = event
        fields = getattr(record, "energy_fields", None) or {}
        for key, value in fields.items():
            event_dict[key if key not in _RESERVED else f"field_{key}"] = value
    return event_dict


def _exception_summary(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Quiet console: an exception as ``error="Type: message"`` instead of a traceback."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        exc = exc_info
    elif isinstance(exc_info, tuple) and len(exc_info) == 3:
        exc = exc_info[1]
    else:
        exc = None
    if exc is not None:
        event_dict.setdefault("error", f"{type(exc).__name__}: {exc}")
    event_dict.pop("stack_info", None)
    return event_dict


def _one_line(renderer: Processor) -> Processor:
    def render(logger: WrappedLogger, method: str, event_dict: EventDict) -> str:
        text = str(renderer(logger, method, event_dict))
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        return " | ".join(lines)

    return render


def _redact_text(renderer: Processor) -> Processor:
    """Mask the rendered text again (a secret split across fields, a repr). Text renderers only:
    masking a JSON line could eat an escape character and break the line."""

    def render(logger: WrappedLogger, method: str, event_dict: EventDict) -> str:
        return redact(renderer(logger, method, event_dict))

    return render


_FOREIGN_PRE_CHAIN: list[Processor] = [
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _foreign_fields,
]


def _ordered(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """``timestamp``, ``level``, ``logger``, ``event`` first: JSON lines read like console lines."""
    keys = ("timestamp", "level", "logger", "event")
    head: dict[str, Any] = {k: event_dict.pop(k) for k in keys if k in event_dict}
    head.update(event_dict)
    return head


def _json_formatter() -> ProcessorFormatter:
    return ProcessorFormatter(
        foreign_pre_chain=_FOREIGN_PRE_CHAIN,
        processors=[
            _logger_name,
            ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact_fields,
            _ordered,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )


def _console_formatter(settings: LoggingSettings, quiet: bool) -> ProcessorFormatter:
    if settings.format == "json":
        return _json_formatter()
    if quiet:
        tail: list[Processor] = [
            _exception_summary,
            _redact_fields,
            _one_line(_redact_text(structlog.dev.ConsoleRenderer(colors=False))),
        ]
    else:
        tail = [_redact_fields, _redact_text(structlog.dev.ConsoleRenderer(colors=False))]
    return ProcessorFormatter(
        foreign_pre_chain=_FOREIGN_PRE_CHAIN,
        processors=[_logger_name, ProcessorFormatter.remove_processors_meta, *tail],
    )


# -- configuration ----------------------------------------------------------------------


def console_level(settings: LoggingSettings, verbosity: int | None) -> int:
    """The console's level for ``settings`` and ``-v`` count ``verbosity`` (``None``: no CLI)."""
    configured: int = getattr(logging, settings.level)
    if verbosity is None:
        return configured
    if verbosity >= 2:
        return logging.DEBUG
    if verbosity == 1:
        return min(logging.INFO, configured)
    if settings.format == "json":
        return configured  # the log shipper reads stderr: quiet mode never hides its records
    return max(logging.WARNING, configured)


def _hub_logger(*args: Any) -> logging.Logger:
    name = args[0] if args and isinstance(args[0], str) and args[0] else None
    return logging.getLogger(f"{HUB_LOGGER}.{name}" if name else HUB_LOGGER)


def _apply() -> None:
    settings = _settings or LoggingSettings()
    level = console_level(settings, _verbosity)
    quiet = settings.format == "console" and level > logging.INFO
    _console_handler.setLevel(level)
    _console_handler.setFormatter(_console_formatter(settings, quiet))
    handlers: list[logging.Handler] = [_console_handler]
    lowest = level
    if _file_handler is not None:
        handlers.append(_file_handler)
        lowest = min(lowest, FILE_LEVEL)

    hub = logging.getLogger(HUB_LOGGER)
    hub.handlers[:] = handlers
    hub.propagate = False
    hub.setLevel(lowest)
    hub.disabled = False  # a dictConfig with disable_existing_loggers must not silence it
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(lowest)

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(lowest),
        logger_factory=_hub_logger,
        cache_logger_on_first_use=False,
    )


def configure_logging(settings: LoggingSettings) -> None:
    """Configure structlog and the stdlib root logger from the environment's settings.

    Safe to call again (every flow run does): each call applies its own
    environment's format and level and keeps the command line's choices
    (:func:`set_verbosity`, an open :func:`log_file`).
    """
    global _settings
    with _lock:
        _settings = settings
        _apply()


def set_verbosity(verbosity: int | None) -> None:
    """The command line's ``-v`` count (0 quiet, 1 INFO, 2 DEBUG); ``None``: not a command line."""
    global _verbosity
    with _lock:
        _verbosity = verbosity
        _apply()


def verbosity() -> int | None:
    """The ``-v`` count set by :func:`set_verbosity`, ``None`` when none was set."""
    return _verbosity


def log_file_path(directory: Path, command: str, *, now: float | None = None) -> Path:
    """``<directory>/energy-<command>-<UTC time>-<pid>.jsonl``: one file per command run."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return directory / f"energy-{command}-{moment:%Y%m%dT%H%M%SZ}-{os.getpid()}.jsonl"


def prune_log_files(
    directory: Path, *, days: int = LOG_RETENTION_DAYS, now: float | None = None
) -> list[Path]:
    """Delete our log files in ``directory`` not written for ``days`` days; the paths deleted."""
    cutoff = (time.time() if now is None else now) - days * 86400
    deleted = []
    for path in directory.glob(LOG_FILE_GLOB):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted.append(path)
        except OSError:  # another process pruned it first, or no permission: not our business
            continue
    return deleted


@contextmanager
def log_file(path: Path) -> Iterator[Path]:
    """Write every record at INFO and above to ``path`` (JSON lines) for the block's duration."""
    global _file_handler
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = JsonLinesFileHandler(path, mode="a", encoding="utf-8")
    handler.setLevel(FILE_LEVEL)
    handler.setFormatter(_json_formatter())
    handler.addFilter(PrefectApiTraffic())
    with _lock:
        previous = _file_handler
        _file_handler = handler
        _apply()
    try:
        yield path
    finally:
        with _lock:
            _file_handler = previous
            for logger in (logging.getLogger(), logging.getLogger(HUB_LOGGER)):
                if handler in logger.handlers:
                    logger.removeHandler(handler)
            _apply()
            handler.close()


@contextmanager
def command_log(data_dir: Path, command: str) -> Iterator[Path]:
    """:func:`log_file` on a new file under ``<data_dir>/logs``, after pruning old ones there."""
    directory = data_dir / "logs"
    directory.mkdir(parents=True, exist_ok=True)
    prune_log_files(directory)
    with log_file(log_file_path(directory, command)) as path:
        yield path
