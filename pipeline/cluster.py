"""The Dask cluster of a command: attach to ``[cluster] address`` or start a local one.

Scale-out uses Dask distributed, the cluster Prefect integrates with
(prefect-dask), rather than a process pool of our own: it schedules the
partitions, moves them to the workers, restarts a killed worker and reruns
what it held.

:class:`DaskRunner` implements :class:`pipeline.partitions.PartitionRunner`
on a cluster: it keeps at most ``partitions_per_worker`` partitions per
worker in flight, so the client holds a bounded number of partitions in
memory however long the run, and yields results as they complete.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import TypeVar

from distributed import Client, LocalCluster, as_completed

from foundations.errors import ConfigError
from foundations.settings import ClusterSettings

T = TypeVar("T")
R = TypeVar("R")


def local_workers(requested: int | None, settings: ClusterSettings) -> int:
    """Worker processes of a local cluster: the option, else the setting, else one per core."""
    return requested or settings.workers or os.cpu_count() or 1


@contextmanager
def cluster_client(
    settings: ClusterSettings, *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Client]:
    """A client of the cluster to use: ``scheduler``, else ``[cluster] address``, else local.

    A local cluster has ``workers`` processes of one thread each (T2's python
    kernel holds the GIL; one process per core is what scales it) and lives
    as long as the ``with`` block. An attached cluster is left running.
    """
    address = scheduler or settings.address
    if address and workers:
        raise ConfigError(
            f"--workers {workers} starts a local cluster, but a scheduler is given ({address}); "
            "use one or the other"
        )
    if address:
        try:
            client = Client(address, timeout="30s")
        except OSError as exc:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {address}: {exc}; start it "
                "(`dask scheduler`) or fix --scheduler / [cluster] address (ENERGY_CLUSTER__ADDRESS)"
            ) from None
        with client:
            yield client
        return
    cluster = LocalCluster(
        n_workers=local_workers(workers, settings),
        threads_per_worker=1,
        processes=True,
        # No dashboard: it needs bokeh and a free port, and a command has no one to show it to.
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as client:
        yield client


class DaskRunner:
    """Runs partitions on a Dask cluster, a bounded number in flight, yielding as they finish."""

    def __init__(self, client: Client, partitions_per_worker: int = 2) -> None:
        self.client = client
        self.partitions_per_worker = partitions_per_worker
        self.where = str(client.scheduler.address) if client.scheduler else "dask"

    def _in_flight(self) -> int:
        workers = len(self.client.scheduler_info(n_workers=-1).get("workers", {})) or 1
        return workers * self.partitions_per_worker

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        pending = iter(items)
        # pure=False: two partitions with equal content are still two tasks.
        first = [
            self.client.submit(fn, item, pure=False) for item in islice(pending, self._in_flight())
        ]
        running = as_completed(first)
        for future in running:
            result: R = future.result()
            future.release()
            for item in islice(pending, 1):
                running.add(self.client.submit(fn, item, pure=False))
            yield result
