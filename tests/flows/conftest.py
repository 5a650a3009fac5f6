"""Fixtures of the flow tests: settings on a fresh data dir, a copy of the samples, Prefect.

Most tests run the flow cores as plain functions (no Prefect start-up). The
few marked ``prefect`` share one session-scoped ``prefect_test_harness``.
Prefect's own variables are set for the whole flow-test session before
Prefect is first imported here, so no test touches the developer's
``~/.prefect``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from registry import Settings, load_settings
from sources.replay import DEFAULT_SAMPLES_DIR
from storage.facade import Storage, open_storage

#: The data tables a main job fills; their digests show a re-run changed nothing.
#: Prefect's start-up on a fresh home (migrations) took ~32 s on the reference
#: machine; with other helpers sharing two cores it can take longer.
HARNESS_STARTUP_TIMEOUT_S = 180


@pytest.fixture(scope="session", autouse=True)
def _prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    values = {
        "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-home")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(HARNESS_STARTUP_TIMEOUT_S),
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in values.items():
            if not os.environ.get(name):
                mp.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def prefect_harness(_prefect_home: None) -> Iterator[None]:
    """One temporary Prefect server and database for every ``prefect`` test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=HARNESS_STARTUP_TIMEOUT_S):
        yield


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_settings(data_dir: Path) -> Callable[..., Settings]:
    """``make_settings(**overrides)``: the embedded default (replay, SQLite) on this test's data dir."""

    def make(**overrides: Any) -> Settings:
        return load_settings("test", data_dir=data_dir, **overrides)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def storage(settings: Settings) -> Iterator[Storage]:
    with open_storage(settings) as db:
        yield db


@pytest.fixture
def samples_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled samples, for tests that alter payloads."""
    target = tmp_path / "samples"
    shutil.copytree(
        DEFAULT_SAMPLES_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    return target


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[Any]:
    """A local Dask cluster of two worker processes for the session's scale-out tests.

    Its workers start without any ENERGY_* variable of this shell (or of the
    rust-less CI pass's ENERGY_BACKEND=python): whatever a test's run uses
    must reach them with the partitions, not through inheritance.
    """
    from distributed import Client, LocalCluster

    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("ENERGY_") and not name.startswith("ENERGY_TEST_"):
                mp.delenv(name)
        local = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with local, Client(local) as client:
        yield client
