"""The frame every flow core runs in: open what a run needs, record and announce how it ended.

:func:`execute` is shared by the weather, wind and PV cores. It builds the
registry from the settings of *this* run, opens storage, logs the run as
``running``, runs the core's body, then on success and on failure alike writes
the run log (backends per transform included), sends the notification and
tells the listeners and observers (the Prefect artifact publisher). None of
those bookkeeping steps may hide the run's own outcome: each one's failure is
logged and swallowed, and the body's exception is re-raised unchanged.

Steps: the body calls ``ctx.step(name, fn, *args)`` for each stage (fetch,
drift check, parse, impute, load). Run as a plain function the step just calls
``fn``; the Prefect flows pass a step runner that makes each stage a Prefect
task, so the same code shows up as tasks in the Prefect UI.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from foundations.redaction import database_url_secrets, redact
from pipeline import listeners, logs
from pipeline.fetching import PartialRunError
from pipeline.notify import notify_run
from pipeline.partitions import PartitionRunner
from pipeline.request_budget import DatabaseLedger
from pipeline.summary import FlowSummary
from registry import CallResult, Registry, Settings, build_registry
from sources import Sources, open_sources
from sources.budget import RequestLedger
from sources.errors import BudgetExhaustedError
from storage.facade import Storage, open_storage
from storage.runs import (
    INTERRUPTED_ERROR,
    PROCESS_KEY,
    ProcessIdentity,
    RunRecord,
    mark_interrupted_runs,
)

T = TypeVar("T")


class StepRunner(Protocol):
    """Runs one named stage of a flow: directly, or as a Prefect task."""

    def __call__(self, name: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...


def run_direct(name: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """The plain-function step runner."""
    return fn(*args, **kwargs)


class SourcesFactory(Protocol):
    """Opens one run's sources (:func:`sources.open_sources` or a test's fake)."""

    def __call__(
        self, settings: Settings, /, *, ledger: RequestLedger | None = None
    ) -> Sources: ...


Observer = Callable[[FlowSummary], None]


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous flow code.

    Prefect runs sync flows and tasks without an event loop in their thread,
    so this is normally a plain ``asyncio.run``; if a loop is already running
    here (an async caller), the coroutine gets a loop of its own in a thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(asyncio.run(make()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    worker = threading.Thread(target=target, name="pipeline.run_async")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return results[0]


def secrets_of(settings: Settings) -> list[str]:
    """The secret values of ``settings``, to mask in any text that leaves the run.

    The database URL whole, then every string that can reveal its password
    (:func:`foundations.redaction.database_url_secrets`: the password as
    SQLAlchemy, libpq and a reader split it, its pieces and spellings), then
    the service key and the webhook URL.
    """
    url = settings.database.url.get_secret_value()
    values = [url, *database_url_secrets(url)]
    for secret in (settings.sources.service_key, settings.notifications.slack_webhook_url):
        if secret is not None:
            values.append(secret.get_secret_value())
    return values


def safe_text(text: object, settings: Settings) -> str:
    """``text`` with every secret of ``settings`` and anything secret-looking masked."""
    return redact(text, *secrets_of(settings))


def describe_error(exc: BaseException, settings: Settings) -> str:
    """An error as the run log, artifact and notification show it: type, message, no secrets."""
    message = str(exc) or repr(exc)
    return safe_text(f"{type(exc).__name__}: {message}", settings)[:2000]


class FlowContext:
    """What one run's body works with. Deliberately not a dataclass: Prefect walks dataclass
    task arguments looking for futures, and this object holds engines and clients."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        storage: Storage,
        summary: FlowSummary,
        *,
        step: StepRunner,
        sources_factory: SourcesFactory,
        partitions: PartitionRunner | None = None,
    ) -> None:
        self.settings = settings
        #: Where per-station work runs when the flow is given a cluster (None: here).
        self.partitions = partitions
        self.registry = registry
        self.storage = storage
        self.summary = summary
        #: Every request of this run is counted against the day's budget in the database.
        self.ledger = DatabaseLedger(storage, settings)
        self._step = step
        self._sources_factory = sources_factory

    def step(self, name: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return self._step(name, fn, *args, **kwargs)

    def call(self, transform: str, *args: Any, **kwargs: Any) -> Any:
        """Run a transform through the registry; its record lands in the summary."""
        result: CallResult = self.registry.call(transform, *args, **kwargs)
        self.summary.records.append(result.record)
        return result.value

    def fetch(self, work: Callable[[Sources], Awaitable[T]]) -> T:
        """Open the sources, run ``work(sources)`` on a fresh event loop, close them.

        One event loop per fetch stage: the live HTTP client's pool belongs to
        the loop it first ran on, so it is opened and closed inside it.
        """

        async def main() -> T:
            async with self._sources_factory(self.settings, ledger=self.ledger) as sources:
                return await work(sources)

        return run_async(main)


Body = Callable[[FlowContext], None]


def note_observations(summary: FlowSummary, revisions: int, kept: int) -> None:
    """Count what the load did to stored observations (see storage/observations.py).

    ``revisions``: observations the portal changed (each one a row of
    ``observation_revisions``); ``kept``: observations the answer had blank,
    left as stored.
    """
    summary.details["observations_revised"] = revisions
    summary.details["observations_kept"] = kept
    if revisions:
        logs.warning("load.observations_revised", rows=revisions, run_id=summary.run_id)


def execute(
    flow: str,
    source: str,
    period: str,
    settings: Settings,
    body: Body,
    *,
    run_id: str | None = None,
    step: StepRunner = run_direct,
    sources_factory: SourcesFactory = open_sources,
    storage: Storage | None = None,
    observers: Iterable[Observer] = (),
    partitions: PartitionRunner | None = None,
) -> FlowSummary:
    """Run ``body`` as flow ``flow`` over ``period`` and return its summary (see the module doc).

    Raises whatever ``body`` raised, after the run log, notification and
    observers have been told. ``storage`` given by the caller stays open.
    """
    summary = FlowSummary(flow=flow, source=source, period=period)
    if run_id:
        summary.run_id = run_id
    registry = build_registry(settings)
    owned = storage is None
    try:
        if storage is None:
            storage = open_storage(settings)
        _mark_interrupted_runs_once(storage, settings)
        _record(storage, summary)
        logs.info("flow.started", flow=flow, period=period, run_id=summary.run_id, env=settings.env)
        ctx = FlowContext(
            settings,
            registry,
            storage,
            summary,
            step=step,
            sources_factory=sources_factory,
            partitions=partitions,
        )
        body(ctx)
    except BaseException as exc:
        # A spent budget is a planned stop, not a failure: the run loaded what it
        # fetched, and the next run resumes where it stopped.
        if isinstance(exc, BudgetExhaustedError):
            status = "stopped"
        elif isinstance(exc, PartialRunError):
            # Some units failed, every other one is loaded: not all-or-nothing.
            status = "partial"
        else:
            status = "failed" if isinstance(exc, Exception) else "cancelled"
        summary.finish(status, describe_error(exc, settings))
        logs.error(
            "flow.failed", flow=flow, period=period, run_id=summary.run_id, error=summary.error
        )
        _conclude(settings, storage, summary, observers)
        raise
    else:
        summary.finish("completed")
        logs.info(
            "flow.completed",
            flow=flow,
            period=period,
            run_id=summary.run_id,
            rows_fetched=summary.rows_fetched,
            rows_loaded=summary.rows_loaded,
            backends=summary.backends(),
        )
        _conclude(settings, storage, summary, observers)
        return summary
    finally:
        if owned and storage is not None:
            storage.close()


def _record(storage: Storage | None, summary: FlowSummary) -> None:
    if storage is None:  # the database could not be opened: the error says why
        return
    storage.record_run(
        RunRecord(
            run_id=summary.run_id,
            flow=summary.flow,
            started_at=summary.started_at,
            finished_at=summary.finished_at,
            status=summary.status,
            rows_fetched=summary.rows_fetched,
            rows_loaded=summary.rows_loaded,
            backends=summary.backends(),
            # Who runs it, so that a later run can tell it was killed (storage.runs).
            report={**summary.report(), PROCESS_KEY: _THIS_PROCESS.as_json()},
            error=summary.error,
        )
    )


_THIS_PROCESS = ProcessIdentity.current()
#: Databases whose run log this process has already swept, by URL.
_swept: set[str] = set()
_swept_lock = threading.Lock()


def _mark_interrupted_runs_once(storage: Storage, settings: Settings) -> None:
    """At the first run of this process on a database: mark runs whose process is gone.

    Here rather than at CLI start-up because flows also start from ``energy
    serve``, Prefect workers and deployments that never pass through the CLI.
    Once per process and database: the check reads every ``running`` row, and
    a process's own later runs cannot have been killed before it started.
    Bookkeeping: a failure is logged, never fails the run.
    """
    key = storage.engine.url.render_as_string(hide_password=False)
    with _swept_lock:
        if key in _swept:
            return
        _swept.add(key)
    try:
        stale_after = timedelta(hours=settings.pipeline.stale_run_hours)
        marked = mark_interrupted_runs(storage.engine, stale_after=stale_after, me=_THIS_PROCESS)
    except Exception as exc:  # noqa: BLE001 - bookkeeping must never fail the run
        logs.error(
            "flow.bookkeeping_failed", step="interrupted_runs", error=describe_error(exc, settings)
        )
        return
    if marked:
        logs.warning("runs.interrupted", run_ids=marked, reason=INTERRUPTED_ERROR)


def _conclude(
    settings: Settings, storage: Storage | None, summary: FlowSummary, observers: Iterable[Observer]
) -> None:
    """Run log, notification, observers, listeners: each one isolated from the others."""
    actions: list[tuple[str, Callable[[], object]]] = [
        ("run_log", lambda: _record(storage, summary)),
        ("notification", lambda: notify_run(settings, summary)),
    ]
    actions += [
        (f"observer:{getattr(o, '__name__', type(o).__name__)}", partial(o, summary))
        for o in observers
    ]
    for what, action in actions:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - bookkeeping must never replace the run's own outcome
            logs.error(
                "flow.bookkeeping_failed",
                step=what,
                run_id=summary.run_id,
                error=describe_error(exc, settings),
            )
    listeners.emit("run_finished", summary)
