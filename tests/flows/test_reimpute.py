"""`energy reimpute`: stored fills recomputed per station, in process or on a 2-worker Dask cluster.

The database starts from the bundled samples (the main job, replay mode) with
every fill made stale (``ta`` = 999 as "climatology") and one station's ``hm``
never observed, so a re-imputation has work everywhere, including rule 6's
mean over all stations.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from distributed import Client
from sqlalchemy import text

from foundations.fill_methods import FillMethod
from pipeline.cluster import DaskRunner
from pipeline.jobs import run_main_job
from pipeline.partitions import InProcess, PartitionRunner
from pipeline.reimpute import run_reimpute
from registry import Settings, load_settings
from storage.facade import open_storage

T = TypeVar("T")
R = TypeVar("R")

START, END = "2024-01-29", "2024-01-31"
NEVER_OBSERVED = 108  # this station's hm is made "unfilled" everywhere


def _dates() -> tuple[Any, Any]:
    from datetime import date

    return date.fromisoformat(START), date.fromisoformat(END)


@pytest.fixture(scope="module")
def stale_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file as the main job leaves it, then with every fill made stale."""
    data_dir = tmp_path_factory.mktemp("reimpute-source")
    settings = load_settings("test", data_dir=data_dir)
    run_main_job(settings)
    with open_storage(settings) as db, db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE weather_hourly SET ta = 999, ta_method = 'climatology' "
                "WHERE ta_method <> 'observed'"
            )
        )
        conn.execute(
            text(
                "UPDATE weather_hourly SET hm = NULL, hm_method = 'unfilled' "
                f"WHERE station_id = {NEVER_OBSERVED}"
            )
        )
    files = list(data_dir.glob("*.sqlite"))
    assert len(files) == 1, files
    return files[0]


@pytest.fixture
def fresh(stale_database: Path, tmp_path: Path) -> Callable[..., Settings]:
    """``fresh(name, **overrides)``: settings on a new copy of the stale database."""

    def make(name: str, **overrides: Any) -> Settings:
        data_dir = tmp_path / name
        data_dir.mkdir()
        shutil.copy(stale_database, data_dir / stale_database.name)
        return load_settings("test", data_dir=data_dir, **overrides)

    return make


@pytest.fixture
def cluster(dask_cluster: Client) -> Client:
    return dask_cluster


def _digest(settings: Settings) -> str:
    with open_storage(settings) as db:
        return db.table_digest("weather_hourly")


def _reimpute(settings: Settings, runner: PartitionRunner) -> Any:
    return run_reimpute(settings, *_dates(), runner)


def test_reimpute_rewrites_every_stale_fill_and_a_rerun_changes_nothing(
    fresh: Callable[..., Settings],
) -> None:
    settings = fresh("in-process")
    summary = _reimpute(settings, InProcess())
    assert summary.status == "completed"
    assert summary.details["partitions"] == summary.details["stations"] == 8
    with open_storage(settings) as db, db.engine.connect() as conn:
        stale = conn.execute(text("SELECT count(*) FROM weather_hourly WHERE ta = 999")).scalar()
        means = conn.execute(
            text(
                "SELECT avg(hm) FROM weather_hourly WHERE hm_method = 'observed' "
                f"AND station_id <> {NEVER_OBSERVED}"
            )
        ).scalar()
        lonely = conn.execute(
            text(
                f"SELECT DISTINCT hm, hm_method FROM weather_hourly WHERE station_id = {NEVER_OBSERVED}"
            )
        ).all()
    assert stale == 0
    assert len(lonely) == 1 and lonely[0][1] == FillMethod.GLOBAL_MEAN.label
    assert lonely[0][0] == pytest.approx(means, rel=1e-12)

    before = _digest(settings)
    again = _reimpute(settings, InProcess())
    assert again.rows_loaded == 0 and _digest(settings) == before


def test_two_dask_workers_write_the_table_one_process_writes(
    fresh: Callable[..., Settings], cluster: Client
) -> None:
    alone, spread = fresh("alone"), fresh("spread")
    _reimpute(alone, InProcess())
    summary = _reimpute(spread, DaskRunner(cluster))
    assert summary.status == "completed"
    assert summary.details["workers"] == 2, "both workers took partitions"
    assert _digest(spread) == _digest(alone)


def test_the_rollback_variable_reaches_every_worker(
    fresh: Callable[..., Settings], cluster: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers started without ENERGY_BACKEND; the run's value still decides there."""
    # failure_policy "fallback": where rust is not installed (CI's rust-less pass)
    # the TOML's choice still decides, and python answers for it.
    rust_by_toml = {
        "transforms": {
            "impute_missing_values": {
                "backend": "rust",
                "shadow": None,
                "failure_policy": "fallback",
            }
        }
    }
    monkeypatch.setenv("ENERGY_BACKEND", "python")
    settings = fresh("rolled-back", **rust_by_toml)
    summary = _reimpute(settings, DaskRunner(cluster))
    assert summary.details["partitions_by_backend"] == {"python": 8}
    assert {r.rule for r in summary.records} == {"env:ENERGY_BACKEND"}
    assert "ENERGY_BACKEND" not in cluster.run(lambda: dict(os.environ)).popitem()[1]

    monkeypatch.delenv("ENERGY_BACKEND")
    summary = _reimpute(fresh("as-configured", **rust_by_toml), DaskRunner(cluster))
    used = summary.details["partitions_by_backend"]
    # Without the rust backend installed, the TOML's choice falls back to python.
    assert used in ({"rust": 8}, {"python": 8})
    assert {r.rule for r in summary.records} == {"toml:transforms.impute_missing_values"}


class KillOneWorkerAfterTheFirstResult:
    """A runner that SIGKILLs one worker process as soon as the first partition is back."""

    def __init__(self, runner: DaskRunner) -> None:
        self.runner = runner
        self.where = runner.where
        self.killed: int | None = None

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        results = self.runner.map_unordered(fn, items)
        yield next(results)
        pids = self.runner.client.run(os.getpid)
        self.killed = next(iter(pids.values()))
        os.kill(self.killed, signal.SIGKILL)
        yield from results


def test_a_worker_killed_mid_run_leaves_the_table_of_an_undisturbed_run(
    fresh: Callable[..., Settings], cluster: Client
) -> None:
    undisturbed, disturbed = fresh("undisturbed"), fresh("disturbed")
    _reimpute(undisturbed, InProcess())
    runner = KillOneWorkerAfterTheFirstResult(DaskRunner(cluster, partitions_per_worker=1))
    summary = _reimpute(disturbed, runner)
    assert runner.killed is not None
    cluster.wait_for_workers(2, timeout=120)
    assert runner.killed not in cluster.run(os.getpid).values(), "the nanny restarted it"
    assert summary.status == "completed"
    assert _digest(disturbed) == _digest(undisturbed)


@pytest.mark.postgres
def test_reimpute_on_postgresql_matches_sqlite(
    fresh: Callable[..., Settings], postgres_database_url: Any
) -> None:
    lite = fresh("lite")
    pg = load_settings(
        "test",
        data_dir=lite.resolved_data_dir().parent / "pg",
        database={"url": postgres_database_url.render_as_string(hide_password=False)},
    )
    run_main_job(pg)
    with open_storage(pg) as db, db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE weather_hourly SET ta = 999, ta_method = 'climatology' WHERE ta_method <> 'observed'"
            )
        )
        conn.execute(
            text(
                f"UPDATE weather_hourly SET hm = NULL, hm_method = 'unfilled' WHERE station_id = {NEVER_OBSERVED}"
            )
        )
    _reimpute(lite, InProcess())
    _reimpute(pg, InProcess())
    assert _digest(pg) == _digest(lite)
