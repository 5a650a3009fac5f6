"""The live pipeline against a local portal over real sockets, in the APIs' real answer formats.

A :class:`sources.replay.PortalServer` on 127.0.0.1 answers the three APIs as
the real services do (PV header 800 with ``totalCnt`` and dashed ``ymd``, wind
under ``reponse`` without ``totalCount``, ASOS ``totalCount`` as a number, the
PV "next day" quirk), from the bundled sample records. The pipeline runs in
``live`` mode with a service key, through the real HTTP client: the tables it
loads must be exactly the ones the offline replay loads, and the requests the
server saw must be the range queries the plan counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pipeline.jobs import plan_main_job, run_main_job
from registry import Settings, load_settings
from sources.replay import Catalog, PortalServer
from storage.facade import open_storage

DIGESTED = ("weather_hourly", "wind_generation_hourly", "pv_generation_hourly")
ASOS_PATH = "/1360000/AsosHourlyInfoService/getWthrDataList"
PV_PATH = "/B552520/PwrSunLightInfo/getDataService"
WIND_PATH = "/B551893/wind-power-by-hour/list"


@pytest.fixture
def portal() -> Iterator[PortalServer]:
    with PortalServer(Catalog.load().emulator()) as server:
        yield server


def digests(settings: Settings) -> dict[str, tuple[int, str]]:
    with open_storage(settings) as db:
        counts = db.counts()
        return {name: (counts[name], db.table_digest(name)) for name in DIGESTED}


def test_live_clients_load_what_the_replay_loads(
    portal: PortalServer,
    make_settings: Callable[..., Settings],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    replay = make_settings()
    plan = plan_main_job(replay)
    run_main_job(replay, plan)

    live = load_settings(
        "test",
        data_dir=tmp_path_factory.mktemp("live"),
        sources={"mode": "live", "base_url": portal.base_url, "service_key": "local-test-key"},
    )
    run_main_job(live, plan)

    expected = digests(replay)
    assert digests(live) == expected
    assert all(rows > 0 for rows, _ in expected.values())
    # One ASOS range query per station and day of the plan, one wind month of
    # 2 pages plus the empty page, and the PV range queries of the plan.
    seen = portal.counts
    assert seen[ASOS_PATH] == len(plan.weather_days) * len(Catalog.load().asos_stations)
    assert seen[WIND_PATH] == 3
    assert 1 <= seen[PV_PATH] <= 3


def test_the_next_day_only_unit_day_is_loaded_from_the_range_answer(
    portal: PortalServer, make_settings: Callable[..., Settings]
) -> None:
    from pipeline.pv import run_pv

    catalog = Catalog.load()
    (late,) = [r for r in catalog.pv if r.next_day_only]
    live = make_settings(
        sources={"mode": "live", "base_url": portal.base_url, "service_key": "local-test-key"},
    )
    # A range that ends on the late day: the client asks strEdate = day + 1, so
    # the day is in the answer, and the extra day is not stored.
    summary = run_pv(live, late.day, late.day, units=[(late.gencd, late.hogi)])
    assert summary.status == "completed"
    with open_storage(live) as db:
        assert db.pv_incomplete_days([(late.gencd, late.hogi)], late.day, late.day) == []
        assert db.counts()["pv_generation_hourly"] == 24
    # The answer also held the next day (asked because of the quirk): not stored.
    assert summary.details["rows_not_wanted"] == 24
    assert portal.counts[PV_PATH] == 1
