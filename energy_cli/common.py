"""What every ``energy`` command shares: loading settings and the registry, and failing cleanly.

Failing cleanly means one line on stderr, ``error: <problem>; <fix>``, and an
exit code a script can act on: :data:`EXIT_BAD_INPUT` (2) for bad input or
configuration (settings, database URL, files, payloads) and
:data:`EXIT_RUN_FAILED` (1) for a run that started and failed (a flow, or
Prefect's start-up). :class:`OneLineErrors`, the command group of ``energy``,
turns every expected failure of any command into that line; a programming
error (anything else) keeps its traceback, because it is a bug to report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from typer.core import TyperGroup

from foundations.errors import ConfigError, EnergyError
from foundations.log_config import configure_logging, set_verbosity, verbosity
from foundations.redaction import redact
from registry import Registry, Settings, build_registry, load_settings

EXIT_RUN_FAILED = 1
EXIT_BAD_INPUT = 2

SETTINGS_FIX = (
    "fix configs/<env>.toml or the ENERGY_* environment variables "
    "(a section variable such as ENERGY_SOURCES must hold valid JSON)"
)
DATABASE_FIX = (
    "check ENERGY_DATABASE__URL (sqlite:///<path> or postgresql://user:password@host:port/database, "
    "special characters in the password percent-encoded) and that the server is reachable"
)


#: ``-v``/``--verbose``: accepted before the command (``energy -v run``) and after
#: ``run``/``backfill`` (``energy run -v``); the counts add up to the larger one.
VerboseOption = Annotated[
    int,
    typer.Option(
        "--verbose",
        "-v",
        count=True,
        help="Show log records on stderr: -v INFO, -vv DEBUG (default: warnings and errors only; "
        'format = "json" environments always show INFO).',
    ),
]


def use_verbosity(ctx: typer.Context, count: int) -> int:
    """Apply ``count`` ``-v`` (or a larger one given before the command); the verbosity in effect.

    The previous verbosity comes back when the command ends, so one process
    running several commands (tests) does not carry a quiet console over.
    """
    previous = verbosity()
    chosen = max(count, previous or 0)
    set_verbosity(chosen)
    ctx.call_on_close(lambda: set_verbosity(previous))
    return chosen


class RunFailed(EnergyError):
    """A run started and could not finish (exit code 1); the message names problem and fix."""


def one_line(text: object) -> str:
    """``text`` redacted and folded onto one line (multi-line messages joined with ``; ``)."""
    lines = [line.strip() for line in redact(text).splitlines() if line.strip()]
    return "; ".join(lines).replace(":;", ":")


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print ``error: <message>`` on one line (no traceback) and return the exit to raise."""
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(code=code)


def fail_from(exc: BaseException) -> typer.Exit:
    """:func:`fail` with the message and exit code :func:`describe_failure` gives ``exc``."""
    message, code = describe_failure(exc) or (str(exc), EXIT_BAD_INPUT)
    return fail(message, code)


def describe_failure(exc: BaseException) -> tuple[str, int] | None:
    """The one-line message and exit code of an expected failure, ``None`` for anything else."""
    # Imported here: storage pulls in SQLAlchemy, which `energy backends` does not need.
    from storage.errors import StorageError

    if isinstance(exc, RunFailed):
        return str(exc), EXIT_RUN_FAILED
    if isinstance(exc, StorageError):
        return f"cannot use the database: {exc}; {DATABASE_FIX}", EXIT_BAD_INPUT
    if isinstance(exc, (SettingsError, ValidationError)):
        return f"invalid settings: {exc}; {SETTINGS_FIX}", EXIT_BAD_INPUT
    if isinstance(exc, ConfigError):
        return str(exc), EXIT_BAD_INPUT
    if isinstance(exc, EnergyError):  # bad payloads, inputs, backends: the message names the fix
        return str(exc), EXIT_BAD_INPUT
    if isinstance(exc, UnicodeError):
        return (
            f"cannot read the input as UTF-8 text: {exc}; convert the file to UTF-8",
            EXIT_BAD_INPUT,
        )
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        reason = exc.strerror or str(exc)
        return (
            f"cannot access{where}: {reason}; check that the path exists and is readable/writable",
            EXIT_BAD_INPUT,
        )
    return None


class OneLineErrors(TyperGroup):
    """The ``energy`` group: any command's expected failure becomes one ``error:`` line."""

    # typer (0.29 in the lock) carries its own copy of click: its exceptions and context
    # are not the `click` package's, so everything here is spelt through typer.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # typer's own Context subclass
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            described = describe_failure(exc)
            if described is None:
                raise
            raise fail(*described) from None


def load_cli_settings(env: str | None) -> Settings:
    """Settings of ``env`` with logging configured; a bad setting exits 2 naming the problem."""
    try:
        settings = load_settings(env)
    except (EnergyError, SettingsError) as exc:
        raise fail_from(exc) from None
    configure_logging(settings.logging)
    return settings


def open_registry(env: str | None) -> Registry:
    """A fresh registry for ``env``: what a flow run started now would use."""
    return build_registry(load_cli_settings(env))


def check_output(path: Path | None) -> None:
    """Refuse an output path whose directory does not exist, before any work is done."""
    if path is None:
        return
    parent = path.expanduser().resolve().parent
    if not parent.is_dir():
        raise fail(
            f"cannot write {path}: the directory {parent} does not exist; "
            "create it or choose another --output"
        )
    if path.is_dir():
        raise fail(f"cannot write {path}: it is a directory; give a file name as --output")


def require_utf8_text(path: Path, what: str) -> None:
    """Refuse a file that is not UTF-8 text before a CSV reader misreads it.

    A BOM-less UTF-16 file decodes as "UTF-8" with a NUL after every letter,
    so decoding alone does not catch it: a NUL byte in the first 64 KiB does.
    """
    with path.open("rb") as handle:
        head = handle.read(65536)
    if b"\x00" in head:
        raise EnergyError(
            f"{what} {path} is not UTF-8 text (it holds NUL bytes: UTF-16 or binary); "
            "convert it to a UTF-8 CSV"
        )
