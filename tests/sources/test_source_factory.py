"""open_sources in live mode against the local portal, and the concurrent PV backfill helper."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from werkzeug import Request, Response

from registry.settings import SourceSettings
from sources import FatalPortalError, fetch_pv_days, open_sources
from sources.nambu_pv import PATH as PV_PATH
from sources.replay import Catalog
from sources.retry import RetryPolicy

DAY = date(2024, 1, 29)


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


def pv_by_day(kit: Any, missing: set[str] = frozenset(), fatal: set[str] = frozenset()) -> Any:
    """Answer each (B997, 1, day) with a recorded-shape body re-dated to the asked day."""
    catalog = Catalog.load()
    template = catalog.read(catalog.pv[("B997", 1, DAY)].file)

    def handler(request: Request) -> Response:
        day = request.args["strSdate"]
        if day in fatal:
            return Response(kit.gateway_error("30"))
        if day in missing:
            return Response(kit.xml_error("03"))
        return Response(template.replace(b"<ymd>20240129</ymd>", f"<ymd>{day}</ymd>".encode()))

    return handler


def run(kit: Any, fn: Any, **settings_kw: Any) -> Any:
    async def main() -> Any:
        opts = {"retry": RetryPolicy(max_retries=1, base_delay_s=0.001), "sleep": kit.sleep}
        async with open_sources(live_settings(kit, **settings_kw), **opts) as src:
            return await fn(src)

    return asyncio.run(main())


def test_live_sources_share_one_client_and_report_no_window(kit):
    kit.expect(PV_PATH).respond_with_handler(pv_by_day(kit))

    async def fn(src: Any) -> Any:
        body = await src.pv.fetch_day("B997", 1, DAY)
        return src.mode, src.sample_window(), body, src.client.stats.requests, src.asos.client is src.pv.client

    mode, window, body, requests, shared = run(kit, fn)

    assert (mode, window, requests, shared) == ("live", None, 1, True)
    assert b"<ymd>20240129</ymd>" in body


def test_backfill_fetches_days_concurrently_in_input_order(kit):
    days = [DAY + timedelta(days=i) for i in range(10)]
    missing = {f"{days[3]:%Y%m%d}"}
    kit.expect(PV_PATH).respond_with_handler(pv_by_day(kit, missing=missing))

    async def fn(src: Any) -> Any:
        return await fetch_pv_days(src.pv, [("B997", 1, d) for d in days])

    results = run(kit, fn)

    assert [r.day for r in results] == days
    assert [r.body is None for r in results] == [d == days[3] for d in days]
    for r in results:
        if r.body is not None:
            assert f"<ymd>{r.day:%Y%m%d}</ymd>".encode() in r.body


def test_backfill_stops_on_a_fatal_error(kit):
    days = [DAY + timedelta(days=i) for i in range(6)]
    kit.expect(PV_PATH).respond_with_handler(pv_by_day(kit, fatal={f"{days[2]:%Y%m%d}"}))

    async def fn(src: Any) -> Any:
        return await fetch_pv_days(src.pv, [("B997", 1, d) for d in days])

    with pytest.raises(FatalPortalError) as info:
        run(kit, fn)

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
            max_retries=2, base_delay_s=0.1, max_delay_s=1.5, limit_pause_s=7.0, max_retry_after_s=9.0
        )
    finally:
        asyncio.run(client.aclose())
