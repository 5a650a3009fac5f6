"""The ``energy`` command: inspect the registry, run transforms on files, run the pipeline.

Every command loads settings for the chosen environment at start-up, so what
it shows is what a flow run started now would do.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from energy_cli import impute_command, pipeline_commands, transform_command
from energy_cli.common import OneLineErrors, VerboseOption, fail, open_registry
from foundations.errors import EnergyError
from foundations.log_config import set_verbosity
from registry import TRANSFORMS

app = typer.Typer(
    name="energy",
    help="Korean energy and weather data pipeline with pluggable (python/rust) transforms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Every expected failure of every command: one `error: <problem>; <fix>` line.
    cls=OneLineErrors,
)

EnvOption = Annotated[
    str | None,
    typer.Option("--env", help="Environment (configs/<env>.toml); default $ENERGY_ENV or 'test'."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.callback()
def main(verbose: VerboseOption = 0) -> None:
    """Log records go to stderr only with -v (INFO) or -vv (DEBUG); see docs/operations.md."""
    # Not reset when the command ends: Prefect logs when its temporary server
    # stops at process exit, and that belongs in the quiet console too.
    set_verbosity(verbose)


@app.command()
def backends(json_output: JsonOption = False) -> None:
    """List backends: installed ones with version and transforms, absent ones with the reason."""
    registry = open_registry(None)
    found = registry.backends
    rows: list[dict[str, Any]] = []
    for name in found.known:
        info = found.available.get(name)
        rows.append(
            {
                "name": name,
                "status": "available" if info else "absent",
                "version": info.version if info else None,
                "transforms": list(found.implemented(name)) if info else [],
                "reason": None if info else found.absent.get(name, "not installed"),
            }
        )
    if json_output:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("backend", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("transforms (or why absent)", overflow="fold")
    for row in rows:
        if row["status"] == "available":
            table.add_row(row["name"], row["version"], ", ".join(row["transforms"]))
        else:
            table.add_row(row["name"], "absent", row["reason"])
    Console().print(table)


@app.command()
def explain(env: EnvOption = None, json_output: JsonOption = False) -> None:
    """For each transform: the backend that would run now, the rule that chose it, its policy."""
    registry = open_registry(env)
    rows = []
    for transform in TRANSFORMS:
        try:
            choice = registry.choose(transform)
        except EnergyError as exc:
            raise fail(str(exc)) from None
        available = choice.backend in registry.backends.available
        rows.append(
            {
                "transform": transform,
                "backend": choice.backend,
                "rule": choice.rule,
                "failure_policy": choice.failure_policy,
                "shadow": choice.shadow,
                "available": available,
                "would_run": choice.backend
                if available
                else (
                    "python (fallback)" if choice.failure_policy == "fallback" else "error (raise)"
                ),
                "reason": None
                if available
                else registry.backends.absent.get(choice.backend, "not installed"),
            }
        )
    if json_output:
        typer.echo(
            json.dumps(
                {"env": registry.settings.env, "transforms": rows}, ensure_ascii=False, indent=2
            )
        )
        return
    table = Table(
        title=f"environment: {registry.settings.env}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("transform", "backend", "rule", "policy", "shadow"):
        table.add_column(column, no_wrap=True)
    any_absent = not all(row["available"] for row in rows)
    if any_absent:
        table.add_column("absent: runs instead", overflow="fold")
    for row in rows:
        cells: list[str] = [
            str(row["transform"]),
            str(row["backend"]),
            str(row["rule"]),
            str(row["failure_policy"]),
            str(row["shadow"] or "-"),
        ]
        if any_absent:
            cells.append("" if row["available"] else f"{row['would_run']} ({row['reason']})")
        table.add_row(*cells)
    Console().print(table)


transform_command.register(app)
impute_command.register(app)
pipeline_commands.register(app)


if __name__ == "__main__":  # pragma: no cover - `python -m energy_cli.main`
    app()
