"""PortalServer: the portal emulator over a real local HTTP server, as benchmarks use it."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import httpx

from plugins.python_backend.asos import asos_to_frame
from sources.http_client import PortalClient
from sources.kma_asos import LiveAsosSource
from sources.replay import ASOS_PATH, PV_PATH, Catalog, PortalEmulator, PortalServer, SyntheticAsos
from sources.retry import RetryPolicy
from sources.service_key import ServiceKey

STATIONS = (108, 112, 119, 133)


def client(server: PortalServer, concurrency: int = 4) -> PortalClient:
    return PortalClient(
        base_url=server.base_url,
        service_key=ServiceKey("local-test-key"),
        timeout_s=5.0,
        max_concurrency=concurrency,
        requests_per_second=1000.0,
        retry=RetryPolicy(max_retries=0),
    )


def fetch_all(
    server: PortalServer, start: date, end: date, page_size: int = 999
) -> list[list[bytes]]:
    async def main() -> Any:
        async with client(server) as c:
            source = LiveAsosSource(c, page_size=page_size)
            return await asyncio.gather(*(source.fetch_range(s, start, end) for s in STATIONS))

    return asyncio.run(main())


def test_counts_requests_per_path_and_serves_the_live_client():
    with PortalServer(Catalog.load().emulator()) as server:
        pages = fetch_all(server, date(2024, 1, 29), date(2024, 1, 31), page_size=50)
        counts = server.counts

    assert counts == {ASOS_PATH: 2 * len(STATIONS)}  # 72 hours in pages of 50
    assert [sum(len(asos_to_frame(p).frame) for p in station) for station in pages] == [72] * 4


def test_latency_is_per_response_and_concurrent_requests_overlap():
    latency = 0.2
    emulator = PortalEmulator(asos=SyntheticAsos(STATIONS, date(2015, 1, 1), date(2024, 12, 31)))
    with PortalServer(emulator, latency_s=latency) as server:
        started = time.perf_counter()
        pages = fetch_all(server, date(2024, 1, 1), date(2024, 1, 10))
        elapsed = time.perf_counter() - started
        in_flight = server.max_in_flight
        server.reset()
        assert server.counts == {} and server.max_in_flight == 0

    assert [len(p) for p in pages] == [1] * 4
    assert elapsed >= latency  # every answer waited its latency (a sleep: a floor, not a timing)
    # Four requests at once on four connections: the server saw them overlap.
    # (Counted server-side rather than timed: a loaded machine must not fail it.)
    assert in_flight >= 2


def test_unknown_paths_are_404_over_http():
    with PortalServer(PortalEmulator()) as server:
        with httpx.Client(base_url=server.base_url) as http:
            missing = http.get("/nowhere", params={"serviceKey": "k"})
            no_data = http.get(
                PV_PATH, params={"serviceKey": "k", "strSdate": "20240101", "strEdate": "20240102"}
            )
        counts = server.counts

    assert missing.status_code == 404
    assert no_data.status_code == 200 and b"<resultCode>03</resultCode>" in no_data.content
    assert counts == {"/nowhere": 1, PV_PATH: 1}
