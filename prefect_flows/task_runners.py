"""``[pipeline] task_runner``: where the flows' tasks run, and T2's per-station tasks on it.

- ``thread`` (default): Prefect's thread pool, in the flow's process. T2 is
  one call over all stations of the run.
- ``dask``: prefect-dask's ``DaskTaskRunner`` on the cluster of ``[cluster]``
  (``address``, else a local cluster of ``workers`` processes). The weather
  flow then imputes one station per Prefect task
  (:class:`PrefectTaskPartitions`), so a long backfill's CPU work spreads
  over the cluster; each task is visible in the Prefect UI.

A local cluster belongs to the flow run that starts it. For a backfill (one
subflow per 41-day step) start the cluster once and give its address:
``energy backfill`` does that by itself for the command's duration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect_dask.task_runners import DaskTaskRunner

from foundations.settings import Settings
from pipeline.cluster import local_workers

T = TypeVar("T")
R = TypeVar("R")


def task_runner_for(settings: Settings) -> TaskRunner[Any]:
    """The task runner ``[pipeline] task_runner`` names, on ``[cluster]`` for ``dask``."""
    if settings.pipeline.task_runner == "thread":
        return ThreadPoolTaskRunner()
    if settings.cluster.address:
        return DaskTaskRunner(address=settings.cluster.address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": local_workers(None, settings.cluster),
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


class PrefectTaskPartitions:
    """A partition runner (``pipeline.partitions``) that submits each partition as a Prefect task.

    The tasks go to the task runner of the flow run in progress, so with
    ``task_runner = "dask"`` they run on the Dask workers.
    """

    where = "prefect tasks"

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        futures = [_partition_task.submit(fn, item) for item in items]
        for future in as_completed(futures):
            result: R = future.result()
            yield result


def _run_partition(fn: Callable[[T], R], item: T) -> R:
    return fn(item)


# Module level, so that a worker unpickles the task by reference. No caching
# or result persistence: partitions are frames, never to be hashed or
# written to Prefect's storage.
_partition_task = task(name="impute-station", cache_policy=NO_CACHE, persist_result=False)(
    _run_partition
)
