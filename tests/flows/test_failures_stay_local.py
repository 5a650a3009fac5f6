"""A failure stays with its unit of work; a fatal portal error stops everything at once.

Each test runs the live clients against a local portal (real sockets) that
answers from the bundled samples, with one fault injected: a PV unit or an
ASOS station that keeps failing, or a key the portal does not know. Retries
are cut to one, without backoff, so the faults surface quickly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path

import pytest

from pipeline.backfill import run_backfill
from pipeline.fetching import PartialRunError
from pipeline.pv import run_pv
from pipeline.reference import pv_units
from pipeline.weather import run_weather
from pipeline.wind import run_wind
from registry import Settings, load_settings
from sources.errors import FatalPortalError
from sources.replay import GATEWAY_NO_KEY, Answer, Catalog, PortalEmulator, PortalServer
from storage.facade import open_storage
from storage.runs import RunRecord

WINDOW = (date(2024, 1, 29), date(2024, 1, 31))
ASOS_PATH = "/1360000/AsosHourlyInfoService/getWthrDataList"
PV_PATH = "/B552520/PwrSunLightInfo/getDataService"


class FaultyPortal(PortalEmulator):
    """The samples' portal, with ``fault(path, params)`` answering instead when it returns an answer."""

    def __init__(self, fault: Callable[[str, Mapping[str, str]], Answer | None]) -> None:
        base = Catalog.load().emulator()
        super().__init__(asos=base.asos, pv=base.pv, wind=base.wind)
        self.fault = fault

    def answer(self, path: str, params: Mapping[str, str]) -> Answer:
        return self.fault(path, params) or super().answer(path, params)


SERVER_ERROR = Answer(500, "text/plain", b"upstream failure")


@pytest.fixture
def serve() -> Iterator[Callable[..., PortalServer]]:
    servers: list[PortalServer] = []

    def start(fault: Callable[[str, Mapping[str, str]], Answer | None]) -> PortalServer:
        server = PortalServer(FaultyPortal(fault)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def live(data_dir: Path, server: PortalServer) -> Settings:
    return load_settings(
        "test",
        data_dir=data_dir,
        sources={
            "mode": "live",
            "base_url": server.base_url,
            "service_key": "local-test-key",
            "max_retries": 1,
            "backoff_base_s": 0,
            "backoff_max_s": 0,
        },
    )


def last_run(settings: Settings, flow: str) -> RunRecord:
    with open_storage(settings) as db:
        return db.recent_runs(flow, limit=1)[0]


def test_a_failing_pv_unit_fails_alone(serve: Callable[..., PortalServer], data_dir: Path) -> None:
    broken = ("B997", 2)
    units = list(Catalog.load().pv_units)
    assert broken in units

    def fault(path: str, params: Mapping[str, str]) -> Answer | None:
        # Every answer that would hold the broken unit fails: the all-units
        # query and the broken unit's own query.
        if not path.endswith(PV_PATH):
            return None
        own = (params.get("strOrgCd"), params.get("strHoki")) == (broken[0], str(broken[1]))
        return SERVER_ERROR if own or "strOrgCd" not in params else None

    settings = live(data_dir, serve(fault))
    with pytest.raises(PartialRunError) as raised:
        run_pv(settings, *WINDOW, units=units)
    assert list(raised.value.failures) == [f"unit B997/2 {WINDOW[0]}..{WINDOW[1]}"]
    assert "energy backfill --source pv --start 2024-01-29 --end 2024-01-31" in str(raised.value)
    with open_storage(settings) as db:
        incomplete = db.pv_incomplete_days(units, *WINDOW)
    # Every other unit-day is stored; only the broken unit's days are missing.
    assert {(g, h) for g, h, _ in incomplete} == {broken}
    run = last_run(settings, "pv_backfill")
    assert run.status == "partial"
    assert run.rows_loaded == 24 * 3 * (len(units) - 1)


def test_a_failing_station_does_not_block_the_others_and_a_rerun_fetches_only_it(
    serve: Callable[..., PortalServer], data_dir: Path
) -> None:
    healthy = {"now": False}

    def fault(path: str, params: Mapping[str, str]) -> Answer | None:
        if path.endswith(ASOS_PATH) and params.get("stnIds") == "108" and not healthy["now"]:
            return SERVER_ERROR
        return None

    server = serve(fault)
    settings = live(data_dir, server)
    with pytest.raises(PartialRunError) as raised:
        run_weather(settings, *WINDOW)
    assert list(raised.value.failures) == [f"station 108 {WINDOW[0]}..{WINDOW[1]}"]
    with open_storage(settings) as db:
        incomplete = db.weather_incomplete_days(settings.pipeline.asos_station_ids, *WINDOW)
    assert set(incomplete) == {108}
    assert last_run(settings, "weather_daily").status == "partial"

    healthy["now"] = True
    server.reset()
    summary = run_weather(settings, *WINDOW)
    assert summary.status == "completed"
    assert server.counts[ASOS_PATH] == 1  # station 108 only, one range query
    with open_storage(settings) as db:
        assert db.weather_incomplete_days(settings.pipeline.asos_station_ids, *WINDOW) == {}


def test_a_station_whose_answer_t5_refuses_fails_alone(
    serve: Callable[..., PortalServer], data_dir: Path
) -> None:
    base = Catalog.load().emulator()

    def fault(path: str, params: Mapping[str, str]) -> Answer | None:
        # Station 108's answer arrives whole, but its first item's ta is an object.
        if not (path.endswith(ASOS_PATH) and params.get("stnIds") == "108"):
            return None
        answer = base.answer(path, params)
        doc = json.loads(answer.body)
        items = doc["response"]["body"]["items"]["item"]
        (items[0] if isinstance(items, list) else items)["ta"] = {"value": "1.5"}
        return Answer(answer.status, answer.content_type, json.dumps(doc).encode())

    settings = live(data_dir, serve(fault))
    with pytest.raises(PartialRunError) as raised:
        run_weather(settings, *WINDOW)
    failure = f"station 108 {WINDOW[0]}..{WINDOW[1]}"
    assert list(raised.value.failures) == [failure]
    assert raised.value.failures[failure] == (
        "TransformInputError: body 0: asos_to_frame: field 'ta' of record 0 holds a JSON "
        "object; a string, number or null is expected"
    )
    with open_storage(settings) as db:
        incomplete = db.weather_incomplete_days(settings.pipeline.asos_station_ids, *WINDOW)
    # The other stations were parsed, imputed and stored.
    assert set(incomplete) == {108}
    assert last_run(settings, "weather_daily").status == "partial"


def test_a_fatal_key_error_stops_a_backfill_before_the_next_days(
    serve: Callable[..., PortalServer], data_dir: Path
) -> None:
    server = serve(lambda path, params: Answer(200, "text/xml", GATEWAY_NO_KEY))
    settings = live(data_dir, server)
    stations = len(settings.pipeline.asos_station_ids)
    # 90 days are three 41-day steps; the key error ends the backfill in the first.
    with pytest.raises(FatalPortalError) as raised:
        run_backfill(settings, "weather", date(2024, 1, 1), date(2024, 3, 30))
    assert raised.value.code == "30"
    assert "not registered" in str(raised.value)
    assert server.counts[ASOS_PATH] <= stations


def test_no_data_is_not_a_failure_in_any_flow(
    serve: Callable[..., PortalServer], data_dir: Path
) -> None:
    # Dates outside the samples: every API answers code 03.
    settings = live(data_dir, serve(lambda path, params: None))
    day = date(2023, 6, 1)
    assert run_weather(settings, day, day).status == "completed"
    assert run_wind(settings, day).status == "completed"
    assert run_pv(settings, day, day, units=pv_units()[:2]).status == "completed"
    with open_storage(settings) as db:
        assert db.weather_incomplete_days(settings.pipeline.asos_station_ids, day, day)
