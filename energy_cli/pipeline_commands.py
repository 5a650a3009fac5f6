"""``energy run``, ``energy backfill``, ``energy reimpute`` and ``energy serve``: the pipeline from the command line.

Prefect is imported only inside the commands, after
:func:`prefect_flows.prefect_env.prepare_prefect_environment` has put the
embedded default's Prefect settings (PREFECT_HOME under the data dir, a long
server start-up timeout, no telemetry) into the environment, because Prefect
reads them at import. ``--no-prefect`` runs the same flow cores as plain
functions: no orchestration, no Prefect start-up cost.

What they print: progress bars and the summary (stdout, or stderr with
``--json``), warnings and errors one line each on stderr; the log records
(one ``transform.call`` per transform call, ...) go to
``<data_dir>/logs/energy-<command>-<UTC time>-<pid>.jsonl`` (JSON lines, INFO
and above, named on the summary's last line) and, with ``-v``, to stderr
(:mod:`foundations.log_config`).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from energy_cli.common import (
    EXIT_RUN_FAILED,
    RunFailed,
    VerboseOption,
    fail,
    fail_from,
    load_cli_settings,
    use_verbosity,
)
from foundations.errors import EnergyError
from foundations.log_config import command_log
from registry import Settings

#: The data tables whose digests show that a re-run changed nothing.
DIGEST_TABLES = (
    "weather_hourly",
    "wind_generation_hourly",
    "pv_generation_hourly",
    "source_signatures",
)

EnvOption = Annotated[
    str | None,
    typer.Option("--env", help="Environment (configs/<env>.toml); default $ENERGY_ENV or 'test'."),
]
NoPrefectOption = Annotated[
    bool,
    typer.Option("--no-prefect", help="Run the flow cores as plain functions (no Prefect engine)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable summary on stdout.")]
DateOption = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD (KST day).")]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Start a local Dask cluster of N worker processes (default: [cluster] workers, "
        "else one per CPU core).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Attach to a running Dask cluster (tcp://host:8786); default [cluster] address.",
    ),
]
InProcessOption = Annotated[
    bool,
    typer.Option("--in-process", help="No cluster: every partition in this process, in turn."),
]


class RunCollector:
    """Listener (see :mod:`pipeline.listeners`): keeps summaries, drives an optional progress bar."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.summaries: list[Any] = []
        self.progress = progress
        self._tasks: dict[str, Any] = {}

    def run_finished(self, summary: Any) -> None:
        self.summaries.append(summary)

    def progress_started(self, label: str, total: int) -> None:
        if self.progress is not None:
            self._tasks[label] = self.progress.add_task(label, total=total)

    def progress_advanced(self, label: str, done: int) -> None:
        if self.progress is not None and label in self._tasks:
            self.progress.advance(self._tasks[label], done)


def _settings(env: str | None, *, check_database: bool = True) -> Settings:
    """The run's settings; with ``check_database``, the database is opened (schema ensured) first.

    Opening it here turns an unusable URL (wrong password, closed port, stray
    space, unsupported scheme) into one error before any flow starts, instead
    of one failed run per flow and a summary that cannot be read.
    """
    if env:
        # The flows load their own settings when each run starts; they read ENERGY_ENV.
        os.environ["ENERGY_ENV"] = env
    settings = load_cli_settings(env)
    if check_database:
        _check_database(settings)
    return settings


@contextmanager
def _task_cluster(settings: Settings) -> Iterator[Any]:
    """With ``[pipeline] task_runner = "dask"``: one cluster for the whole command.

    Yields the partition runner the plain-function flows use (None with the
    thread runner). Without ``[cluster] address`` a local cluster is started
    here and its address exported as ``ENERGY_CLUSTER__ADDRESS`` for the
    command's duration, so every Prefect flow run of the command (a
    backfill's subflows, the main job's weather days) attaches to it instead
    of starting its own.
    """
    if settings.pipeline.task_runner != "dask":
        yield None
        return
    from pipeline.cluster import DaskRunner, cluster_client

    with cluster_client(settings.cluster) as client:
        address = str(client.scheduler.address) if client.scheduler else None
        previous = os.environ.get("ENERGY_CLUSTER__ADDRESS")
        if address and not settings.cluster.address:
            os.environ["ENERGY_CLUSTER__ADDRESS"] = address
        try:
            yield DaskRunner(client, settings.cluster.partitions_per_worker)
        finally:
            if previous is None:
                os.environ.pop("ENERGY_CLUSTER__ADDRESS", None)
            else:
                os.environ["ENERGY_CLUSTER__ADDRESS"] = previous


def _station_ids(text: str | None) -> list[int] | None:
    """``--stations 108,112`` as ids; None for every station."""
    if text is None:
        return None
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise EnergyError(
            f"--stations takes comma-separated station ids like 108,112; got {text!r}"
        ) from None
    if not ids:
        raise EnergyError("--stations needs at least one station id, e.g. --stations 108")
    return ids


def _check_database(settings: Settings) -> None:
    from storage.facade import open_storage

    try:
        open_storage(settings).close()
    except EnergyError as exc:
        raise fail_from(exc) from None


@contextmanager
def _run_log(settings: Settings, command: str) -> Iterator[Path]:
    """The command's log file (every record at INFO and above, JSON lines) for the block."""
    with command_log(settings.resolved_data_dir(), command) as path:
        yield path


def _progress(console: Console, settings: Settings) -> Progress:
    """Progress bars on stderr; none in ``format = "json"`` environments (stderr: JSON lines)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=settings.logging.format == "json",
    )


def _tables(settings: Settings) -> dict[str, dict[str, Any]]:
    from storage.facade import open_storage

    with open_storage(settings) as storage:
        counts = storage.counts()
        return {
            name: {"rows": counts.get(name, 0), "digest": storage.table_digest(name)}
            for name in DIGEST_TABLES
        } | {"pipeline_runs": {"rows": counts.get("pipeline_runs", 0), "digest": None}}


def _call_flow(target: str, **parameters: Any) -> Any:
    """Call flow ``target`` of :mod:`prefect_flows.flows`; Prefect starts (or connects) here.

    With ``return_state=True`` the flow's own failure is in the returned state,
    so anything raised is Prefect failing to start its server or reach the API.
    """
    from prefect_flows import flows

    return getattr(flows, target)(return_state=True, **parameters)


def _run_with_prefect(settings: Settings, target: str, **parameters: Any) -> Exception | None:
    """Run a flow of :mod:`prefect_flows.flows` through the Prefect engine; its error, if it failed.

    Raises :class:`RunFailed` (one line, exit 1) when Prefect itself cannot
    start: a temporary server that does not come up, a migration that fails
    because another run is creating the same Prefect database.
    """
    try:
        state = _call_flow(target, **parameters)
    except Exception as exc:  # noqa: BLE001 - every start-up failure gets the same one-line advice
        raise RunFailed(_prefect_start_failure(settings, exc)) from None
    if state.is_completed():
        return None
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the flow's own error, already logged and notified
        return exc
    return EnergyError(f"the flow ended in state {state.type.value}")


def _prefect_start_failure(settings: Settings, exc: BaseException) -> str:
    from prefect_flows.prefect_env import prefect_home

    lines = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {lines[-1] if lines else ''}".rstrip(": ")
    api = os.environ.get("PREFECT_API_URL")
    if api:
        return (
            f"Prefect could not reach its server at {api}: {reason}; check that the server runs "
            "and PREFECT_API_URL, or use --no-prefect"
        )
    home = os.environ.get("PREFECT_HOME") or str(prefect_home(settings))
    return (
        f"Prefect could not start its temporary server in {home}: {reason}; "
        "run again (two runs starting on an empty Prefect home race to create its database), "
        "or use --no-prefect"
    )


def _table(title: str) -> Table:
    # No blank edge rows: the summary has to fit a screen with the progress bars.
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)


def _print_summary(
    console: Console,
    summaries: list[Any],
    tables: dict[str, Any],
    wall: float,
    mode: str,
    log_path: Path | None = None,
) -> None:
    runs = _table("Flow runs")
    for column in ("source", "period", "status", "fetched", "loaded", "seconds"):
        numeric = column in ("fetched", "loaded", "seconds")
        runs.add_column(
            column, justify="right" if numeric else "left", no_wrap=True, min_width=len(column)
        )
    for s in summaries:
        runs.add_row(
            s.source,
            s.period,
            s.status,
            str(s.rows_fetched),
            str(s.rows_loaded),
            f"{s.wall_time_s:.2f}" if s.wall_time_s is not None else "-",
        )
    console.print(runs)
    for s in summaries:
        for warning in s.drift_warnings:
            console.print(
                f"[yellow]schema drift[/yellow] ({s.source} {s.period}): {warning}", markup=True
            )
        if s.error:
            console.print(f"[red]failed[/red] {s.flow} {s.period}: {s.error}", markup=True)

    per_source: dict[str, list[int]] = {}
    methods: dict[str, int] = {}
    unfilled = 0
    backends: dict[tuple[str, str], set[str]] = {}
    shadows: dict[tuple[str, str], Counter[str]] = {}
    for s in summaries:
        totals = per_source.setdefault(s.source, [0, 0])
        totals[0] += s.rows_fetched
        totals[1] += s.rows_loaded
        for method, rows in s.filled_by_method().items():
            methods[method] = methods.get(method, 0) + rows
        unfilled += sum(s.unfilled.values())
        for row in s.backend_rows():
            backends.setdefault((row["transform"], row["used"]), set()).add(row["rule"])
            shadows.setdefault((row["transform"], row["used"]), Counter()).update(row["shadow"])
    if per_source:
        rows = ", ".join(f"{name} {f}/{loaded}" for name, (f, loaded) in per_source.items())
        console.print(f"Rows per source (fetched/loaded): {rows}", highlight=False)

    if any(s.filled for s in summaries):
        filled = ", ".join(f"{method} {rows}" for method, rows in sorted(methods.items()))
        console.print(f"Gaps filled per method: {filled}; unfilled {unfilled}", highlight=False)

    if backends:
        used = _table("Backend per transform")
        for column in ("transform", "backend", "rule", "shadow runs"):
            used.add_column(column)
        for (transform, backend), rules in sorted(backends.items()):
            shadow = ", ".join(
                f"{k}: {n}" for k, n in sorted(shadows[(transform, backend)].items())
            )
            used.add_row(transform, backend, ", ".join(sorted(rules)), shadow or "-")
        console.print(used)
    else:
        console.print("Backend per transform: no transform ran (nothing needed fetching)")

    db = _table("Database")
    for column in ("table", "rows", "digest"):
        db.add_column(column, justify="right" if column == "rows" else "left")
    for name, info in tables.items():
        db.add_row(name, str(info["rows"]), (info["digest"] or "-")[:16])
    console.print(db)
    console.print(f"wall time: {wall:.1f} s ({mode})")
    if log_path is not None:
        _print_log_path(console, log_path)


def _print_log_path(console: Console, log_path: Path) -> None:
    # soft_wrap: a long path stays on one line, whole, for copying.
    console.print(f"log: {log_path}", soft_wrap=True, highlight=False, markup=False)


def _summary_json(
    summaries: list[Any],
    tables: dict[str, Any],
    wall: float,
    mode: str,
    log_path: Path | None = None,
) -> str:
    return json.dumps(
        {
            "mode": mode,
            "wall_time_s": round(wall, 3),
            "runs": [s.as_dict() for s in summaries],
            "tables": tables,
            "log_file": None if log_path is None else str(log_path),
        },
        ensure_ascii=False,
        indent=2,
    )


#: Exit code of a backfill that stopped because the day's request budget was spent.
BUDGET_STOP_EXIT = 3


def _print_plans(
    settings: Settings,
    sources: list[str],
    start: date,
    end: date,
    only_missing: bool,
    json_output: bool,
) -> None:
    """``energy backfill --plan``: requests per source and the days of budget they take."""
    from pipeline.backfill import plan_backfill

    try:
        plans = [
            plan_backfill(settings, name, start, end, only_missing=only_missing) for name in sources
        ]
    except EnergyError as exc:
        raise fail(str(exc)) from None
    if json_output:
        typer.echo(
            json.dumps(
                {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "requests": sum(p.requests for p in plans),
                    "sources": [p.as_dict() for p in plans],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(
        title=f"Backfill plan {start}..{end} (nothing fetched)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for column in (
        "source",
        "api",
        "steps",
        "requests",
        "budget/day",
        "left today",
        "days of budget",
    ):
        table.add_column(column, justify="left" if column in ("source", "api") else "right")
    for plan in plans:
        days = "-" if plan.budget_days is None else str(plan.budget_days)
        table.add_row(
            plan.source,
            plan.api,
            str(len(plan.steps)),
            str(plan.requests),
            str(plan.budget),
            str(plan.remaining_today),
            days,
        )
    Console().print(table)
    scope = (
        "only what the database does not hold completely"
        if only_missing
        else "every day (--all-days)"
    )
    Console().print(
        f"counts {scope}; budgets are [sources.<api>] daily_request_budget, per KST day"
    )


def _finish(
    console: Console,
    settings: Settings,
    collector: RunCollector,
    error: Exception | None,
    started: float,
    mode: str,
    json_output: bool,
    log_path: Path | None = None,
) -> None:
    wall = time.perf_counter() - started
    try:
        tables = _tables(settings)
    except EnergyError as exc:
        # The database went away during the run: still show what ran, then fail.
        tables = {}
        error = error or exc
    if json_output:
        typer.echo(_summary_json(collector.summaries, tables, wall, mode, log_path))
        if log_path is not None:
            _print_log_path(Console(stderr=True), log_path)
    else:
        _print_summary(console, collector.summaries, tables, wall, mode, log_path)
    if error is not None:
        raise fail(str(error), EXIT_RUN_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``run``, ``backfill`` and ``serve`` to the ``energy`` command."""

    @app.command("run")
    def run_command(
        ctx: typer.Context,
        env: EnvOption = None,
        no_prefect: NoPrefectOption = False,
        json_output: JsonOption = False,
        verbose: VerboseOption = 0,
    ) -> None:
        """The main job: weather, wind and PV (replay default: the dates the bundled samples cover).

        Prints progress and a summary; every log record goes to a JSON-lines
        file under <data_dir>/logs (named at the end) and, with -v, to stderr.
        """
        from pipeline import listeners
        from pipeline.jobs import plan_main_job, run_main_job
        from prefect_flows.prefect_env import prepare_prefect_environment

        use_verbosity(ctx, verbose)
        try:
            settings = _settings(env, check_database=False)
        except EnergyError as exc:
            raise fail_from(exc) from None
        with _run_log(settings, "run") as log_path:
            try:
                _check_database(settings)
                plan = plan_main_job(settings)
            except EnergyError as exc:
                raise fail_from(exc) from None
            console = Console(stderr=json_output)
            console.print(f"[bold]energy run[/bold] ({settings.env}): {plan.describe()}")
            mode = "plain functions" if no_prefect else "Prefect"
            started = time.perf_counter()
            progress = _progress(Console(stderr=True), settings)
            collector = RunCollector(progress)
            error: Exception | None = None
            with progress, listeners.listening(collector), _task_cluster(settings) as partitions:
                if no_prefect:
                    try:
                        run_main_job(settings, plan, partitions=partitions)
                    except EnergyError as exc:
                        error = exc
                else:
                    prepare_prefect_environment(settings)
                    error = _run_with_prefect(settings, "main_job")
            _finish(console, settings, collector, error, started, mode, json_output, log_path)

    @app.command()
    def backfill(
        ctx: typer.Context,
        start: DateOption,
        end: DateOption,
        source: Annotated[
            str | None,
            typer.Option("--source", help="weather, wind or pv (with --plan: default all three)."),
        ] = None,
        plan_only: Annotated[
            bool,
            typer.Option(
                "--plan",
                help="Print the requests the backfill needs and the days of budget they take; fetch nothing.",
            ),
        ] = False,
        all_days: Annotated[
            bool,
            typer.Option(
                "--all-days",
                help="Refetch every day of the range, not only what the database lacks.",
            ),
        ] = False,
        env: EnvOption = None,
        no_prefect: NoPrefectOption = False,
        json_output: JsonOption = False,
        verbose: VerboseOption = 0,
    ) -> None:
        """Backfill SOURCE over START..END, fetching only what the database does not hold completely.

        Stops cleanly when the day's request budget ([sources.<api>]
        daily_request_budget) is spent, keeping what it loaded (exit code 3);
        the same command run again resumes.
        """
        from pipeline import listeners
        from pipeline.backfill import (
            BACKFILL_SOURCES,
            BackfillStopped,
            check_request,
            run_backfill,
        )
        from prefect_flows.prefect_env import prepare_prefect_environment

        use_verbosity(ctx, verbose)
        first, last = start.date(), end.date()
        if source is None and not plan_only:
            raise fail(
                "--source is required (weather, wind or pv); only --plan defaults to all three"
            )
        chosen = [source] if source is not None else list(BACKFILL_SOURCES)
        try:
            for name in chosen:
                check_request(name, first, last)
            settings = _settings(env, check_database=False)
        except EnergyError as exc:
            raise fail_from(exc) from None
        if plan_only:
            _check_database(settings)
            _print_plans(settings, chosen, first, last, not all_days, json_output)
            return
        assert source is not None
        with _run_log(settings, "backfill") as log_path:
            _check_database(settings)
            mode = "plain functions" if no_prefect else "Prefect"
            started = time.perf_counter()
            error: Exception | None = None
            progress = _progress(Console(stderr=True), settings)
            collector = RunCollector(progress)
            with progress, listeners.listening(collector), _task_cluster(settings) as partitions:
                if no_prefect:
                    try:
                        run_backfill(
                            settings,
                            source,
                            first,
                            last,
                            only_missing=not all_days,
                            partitions=partitions,
                        )
                    except EnergyError as exc:
                        error = exc
                else:
                    prepare_prefect_environment(settings)
                    error = _run_with_prefect(
                        settings,
                        "backfill",
                        source=source,
                        start=first,
                        end=last,
                        only_missing=not all_days,
                    )
            stopped = isinstance(error, BackfillStopped)
            _finish(
                Console(stderr=json_output),
                settings,
                collector,
                None if stopped else error,
                started,
                mode,
                json_output,
                log_path,
            )
        if stopped:
            typer.echo(f"stopped: {error}", err=True)
            raise typer.Exit(code=BUDGET_STOP_EXIT)

    @app.command()
    def reimpute(
        ctx: typer.Context,
        start: DateOption,
        end: DateOption,
        stations: Annotated[
            str | None,
            typer.Option(help="Comma-separated station ids (default: every station stored)."),
        ] = None,
        workers: WorkersOption = None,
        scheduler: SchedulerOption = None,
        in_process: InProcessOption = False,
        env: EnvOption = None,
        json_output: JsonOption = False,
        verbose: VerboseOption = 0,
    ) -> None:
        """Recompute every stored weather fill of START..END from the stored observations.

        One partition per station, on a Dask cluster: a local one by default,
        or the one at --scheduler / [cluster] address. Backends are chosen on
        every worker as here (ENERGY_BACKEND=python rolls them all back). Only
        fills are rewritten, observed values never; a re-run changes nothing.
        """
        from pipeline import listeners
        from pipeline.cluster import DaskRunner, cluster_client
        from pipeline.partitions import InProcess
        from pipeline.reimpute import run_reimpute

        use_verbosity(ctx, verbose)
        first, last = start.date(), end.date()
        try:
            ids = _station_ids(stations)
            if in_process and (workers or scheduler):
                raise EnergyError("--in-process runs without a cluster; drop --workers/--scheduler")
            if last < first:
                raise EnergyError(f"--end {last} is before --start {first}")
            settings = _settings(env, check_database=False)
        except EnergyError as exc:
            raise fail_from(exc) from None
        with _run_log(settings, "reimpute") as log_path:
            _check_database(settings)
            started = time.perf_counter()
            error: Exception | None = None
            collector = RunCollector()
            with listeners.listening(collector):
                try:
                    if in_process:
                        run_reimpute(settings, first, last, InProcess(), stations=ids)
                    else:
                        with cluster_client(
                            settings.cluster, workers=workers, scheduler=scheduler
                        ) as client:
                            runner = DaskRunner(client, settings.cluster.partitions_per_worker)
                            run_reimpute(settings, first, last, runner, stations=ids)
                except EnergyError as exc:
                    error = exc
            mode = (
                collector.summaries[-1].details.get("runner", "-") if collector.summaries else "-"
            )
            _finish(
                Console(stderr=json_output),
                settings,
                collector,
                error,
                started,
                f"reimpute on {mode}",
                json_output,
                log_path,
            )

    @app.command()
    def serve(env: EnvOption = None) -> None:
        """Serve the scheduled deployments (Asia/Seoul): weather 09:00 daily, wind 11:00 on the 10th, PV 10:00 daily.

        Needs a Prefect server (``prefect server start``) and PREFECT_API_URL
        pointing at it: Prefect's temporary ephemeral server does not schedule runs.
        """
        from prefect_flows.prefect_env import prepare_prefect_environment

        try:
            settings = _settings(env)
        except EnergyError as exc:
            raise fail_from(exc) from None
        if not os.environ.get("PREFECT_API_URL"):
            raise fail(
                "energy serve needs a running Prefect server: start one with `prefect server start` "
                "and set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); Prefect's temporary "
                "ephemeral server does not create scheduled runs"
            )
        prepare_prefect_environment(settings)
        from prefect_flows.deployments import serve_deployments

        try:
            serve_deployments()
        except Exception as exc:  # noqa: BLE001 - Prefect's own failures: one line, not a traceback
            raise RunFailed(_prefect_start_failure(settings, exc)) from None
