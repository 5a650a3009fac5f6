"""open_sources: the live sources in both modes; replay answers through the portal emulator."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from pydantic import SecretStr

from foundations.settings import SourceSettings, load_settings
from plugins.python_backend.asos import asos_to_frame
from plugins.python_backend.pv import records_from_body
from plugins.python_backend.wind import wind_to_long
from sources import FatalPortalError, NoDataError, open_sources
from sources.budget import CountingLedger
from sources.errors import BudgetExhaustedError
from sources.kma_asos import LiveAsosSource
from sources.nambu_pv import PATH as PV_PATH
from sources.nambu_pv import LiveNambuPvSource
from sources.namdong_wind import LiveWindSource
from sources.replay import ASOS_PATH, WIND_PATH, Catalog
from sources.retry import RetryPolicy

DAY = date(2024, 1, 29)
WINDOW = (date(2024, 1, 29), date(2024, 1, 31))


def run(settings: Any, fn: Any, **options: Any) -> Any:
    async def main() -> Any:
        async with open_sources(settings, **options) as src:
            return await fn(src)

    return asyncio.run(main())


# -- replay -----------------------------------------------------------------------------------


def test_replay_builds_the_live_sources_with_the_configured_page_sizes():
    settings = load_settings()
    assert settings.sources.mode == "replay"

    async def fn(src: Any) -> Any:
        return src

    src = run(settings, fn)
    assert (src.mode, src.sample_window()) == ("replay", WINDOW)
    assert isinstance(src.asos, LiveAsosSource) and isinstance(src.wind, LiveWindSource)
    assert isinstance(src.pv, LiveNambuPvSource)
    assert src.asos.client is src.wind.client is src.pv.client is src.client
    assert (src.asos.page_size, src.wind.page_size, src.pv.page_size) == (
        settings.sources.asos.page_size,
        settings.sources.wind.page_size,
        settings.sources.pv.page_size,
    )


def test_replay_fetches_the_sample_records_through_the_live_code():
    catalog = Catalog.load()
    # Small pages, so the live sources' paging runs against the emulator.
    settings = SourceSettings(asos={"page_size": 50}, wind={"page_size": 40}, pv={"page_size": 7})

    async def fn(src: Any) -> Any:
        asos = await src.asos.fetch_range(108, *WINDOW)
        wind = await src.wind.fetch(date(2024, 1, 1), date(2024, 1, 31))
        pv = await src.pv.fetch_range(*WINDOW)
        return asos, wind, pv, dict(src.transport.requests), src.client.stats.requests

    asos, wind, pv, requests, sent = run(settings, fn)

    assert len(asos) == 2  # 72 hours in pages of 50
    frame = asos_to_frame(asos[0]).frame
    assert len(frame) + len(asos_to_frame(asos[1]).frame) == 72
    assert len(wind) == 4  # 155 records in pages of 40; the empty 5th page is not returned
    assert sum(len(wind_to_long(page).frame) for page in wind) == len(catalog.wind) * 24
    records = [r for page in pv for r in records_from_body(page)]
    # strEdate is end + 1: the window's units, the next-day-only one included, and nothing else.
    assert {(r["gencd"], int(r["hogi"])) for r in records} == set(catalog.pv_units)
    assert len(records) == len(catalog.pv)
    assert requests == {ASOS_PATH: 2, WIND_PATH: 5, PV_PATH: 5}
    assert sent == 12


def test_replay_outside_the_samples_is_no_data():
    async def fn(src: Any) -> Any:
        await src.asos.fetch(108, date(2023, 6, 1))

    with pytest.raises(NoDataError) as info:
        run(SourceSettings(), fn)
    assert info.value.code == "03"


def test_replay_counts_requests_with_the_given_ledger():
    ledger = CountingLedger({"asos": 2})

    async def fn(src: Any) -> Any:
        for station in (108, 112, 119):
            await src.asos.fetch(station, DAY)

    with pytest.raises(BudgetExhaustedError):
        run(SourceSettings(), fn, ledger=ledger)


def test_replay_refuses_a_transport():
    import httpx

    with pytest.raises(TypeError, match="own transport"):
        open_sources(SourceSettings(), transport=httpx.MockTransport(lambda r: httpx.Response(200)))


def test_replay_reads_the_configured_samples_dir(tmp_path):
    with pytest.raises(Exception, match=r"manifest\.json"):
        open_sources(SourceSettings(samples_dir=tmp_path))


# -- live -------------------------------------------------------------------------------------


def live_settings(kit: Any, **kw: Any) -> SourceSettings:
    return SourceSettings(
        mode="live",
        service_key=SecretStr(kit.plain_key),
        base_url=kit.base_url,
        timeout_s=2.0,
        max_concurrency=3,
        requests_per_second=500.0,
        **kw,
    )


def live_options(kit: Any) -> dict[str, Any]:
    return {"retry": RetryPolicy(max_retries=1, base_delay_s=0.001), "sleep": kit.sleep}


def test_live_sources_share_one_client_and_report_no_window(kit):
    answer = (
        Catalog.load()
        .emulator()
        .answer(
            PV_PATH,
            {"serviceKey": "k", "strSdate": "20240129", "strEdate": "20240130", "numOfRows": "100"},
        )
    )
    kit.expect(PV_PATH).respond_with_data(answer.body, content_type=answer.content_type)
    ledger = CountingLedger({"pv": 10})

    async def fn(src: Any) -> Any:
        pages = await src.pv.fetch_range(DAY, DAY)
        return (
            src.mode,
            src.sample_window(),
            pages,
            src.client.stats.requests,
            src.asos.client is src.pv.client,
        )

    mode, window, pages, requests, shared = run(
        live_settings(kit, pv={"page_size": 100}), fn, ledger=ledger, **live_options(kit)
    )

    assert (mode, window, requests, shared) == ("live", None, 1, True)
    assert pages == [answer.body]
    assert kit.params(0)["strEdate"] == "20240130"
    with pytest.raises(BudgetExhaustedError):
        for _ in range(10):  # the ledger went to the client: 1 spent, 9 left
            ledger.spend("pv")


def test_live_fatal_errors_name_the_code_without_the_key(kit):
    kit.expect(PV_PATH).respond_with_data(kit.gateway_error("30"))

    async def fn(src: Any) -> Any:
        await src.pv.fetch_range(DAY, DAY)

    with pytest.raises(FatalPortalError) as info:
        run(live_settings(kit), fn, **live_options(kit))

    assert info.value.code == "30"
    kit.assert_no_secret(*kit.exception_texts(info.value))


def test_retry_timings_come_from_settings() -> None:
    from sources.http_client import PortalClient

    settings = SourceSettings(
        mode="live",
        service_key=SecretStr("plain-test-key"),
        max_retries=2,
        backoff_base_s=0.1,
        backoff_max_s=1.5,
        limit_pause_s=7.0,
        max_retry_after_s=9.0,
    )
    client = PortalClient.from_settings(settings)
    try:
        assert client.retry == RetryPolicy(
            max_retries=2,
            base_delay_s=0.1,
            max_delay_s=1.5,
            limit_pause_s=7.0,
            max_retry_after_s=9.0,
        )
    finally:
        asyncio.run(client.aclose())
