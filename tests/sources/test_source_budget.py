"""Daily request budgets: the ledger is charged once per HTTP attempt, before anything is sent."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from werkzeug import Request, Response

from foundations.korean_time import today_kst
from foundations.settings import SourceSettings
from sources.budget import CountingLedger, RequestLedger
from sources.errors import (
    BudgetExhaustedError,
    NoDataError,
    SourceError,
    SourcePortalError,
    SourceUnavailableError,
)
from sources.http_client import PortalClient
from sources.kma_asos import PATH as ASOS_PATH
from sources.kma_asos import LiveAsosSource
from tests.sources.real_format import asos_page, asos_records

PATH = "/api"
OK = '{"response": {"header": {"resultCode": "00"}, "body": {}}}'
DAY = date(2024, 6, 1)


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


# -- the in-memory ledger -----------------------------------------------------------------


def test_counting_ledger_counts_per_source_and_raises_past_the_budget():
    ledger = CountingLedger({"pv": 2, "asos": 1}, today=Clock(DAY))
    assert isinstance(ledger, RequestLedger)

    ledger.spend("pv")
    ledger.spend("pv")
    ledger.spend("asos")
    with pytest.raises(BudgetExhaustedError) as info:
        ledger.spend("pv")

    err = info.value
    assert (err.source, err.budget, err.spent, err.day) == ("pv", 2, 2, DAY)
    assert (
        ledger.spent("pv") == 2 and ledger.spent("asos") == 1
    )  # the refused request is not counted
    ledger.spend("wind")  # not budgeted: counted, never refused
    assert ledger.spent("wind") == 1


def test_budget_starts_afresh_on_the_next_korean_day():
    clock = Clock(DAY)
    ledger = CountingLedger({"pv": 1}, today=clock)
    ledger.spend("pv")
    with pytest.raises(BudgetExhaustedError):
        ledger.spend("pv")

    clock.day = date(2024, 6, 2)
    ledger.spend("pv")
    assert ledger.spent("pv") == 1 and ledger.spent("pv", DAY) == 1


def test_ledger_refuses_unknown_sources_and_negative_budgets():
    with pytest.raises(ValueError, match="unknown source"):
        CountingLedger({"PV": 1})
    with pytest.raises(ValueError):
        CountingLedger({"pv": -1})
    with pytest.raises(ValueError, match="unknown source"):
        CountingLedger({}).spend("solar")


def test_today_kst_is_a_date():
    assert isinstance(today_kst(), date)


def test_error_says_what_is_spent_and_how_to_continue():
    err = BudgetExhaustedError("pv", budget=1000, spent=1000, day=DAY)
    text = str(err)

    assert text.startswith("pv: ")
    assert "1000 of 1000" in text and "2024-06-01" in text
    assert "midnight KST" in text
    assert (
        "[sources.pv] daily_request_budget" in text
        and "ENERGY_SOURCES__PV__DAILY_REQUEST_BUDGET" in text
    )
    # Neither "no data" nor a portal error (whose retry/no-data handling would swallow it).
    assert isinstance(err, SourceError)
    assert not isinstance(err, (SourcePortalError, NoDataError, SourceUnavailableError))


# -- the client charges the ledger ----------------------------------------------------------


def run_get(kit: Any, ledger: RequestLedger, *, source: str = "asos", **client_kw: Any) -> bytes:
    async def fn(client: PortalClient) -> bytes:
        return await client.get(PATH, {"a": 1}, source=source)

    return kit.run(fn, ledger=ledger, **client_kw)


def test_every_attempt_is_charged_retries_included(kit):
    kit.expect_once(PATH).respond_with_data("busy", status=500)
    kit.expect_once(PATH).respond_with_data(
        kit.json_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
    )
    kit.expect_once(PATH).respond_with_data(OK)
    ledger = CountingLedger({"asos": 10})

    assert run_get(kit, ledger) == OK.encode()

    assert ledger.spent("asos") == 3 == len(kit.requests())


def test_spent_budget_raises_before_any_request_is_sent(kit):
    kit.expect(PATH).respond_with_data(OK)
    ledger = CountingLedger({"pv": 0})

    with pytest.raises(BudgetExhaustedError) as info:
        run_get(kit, ledger, source="pv")

    assert kit.requests() == []
    assert info.value.source == "pv" and info.value.budget == 0
    assert "daily_request_budget" in str(info.value)
    kit.assert_no_secret(*kit.exception_texts(info.value))


def test_budget_running_out_during_retries_stops_them_unchanged(kit):
    kit.expect(PATH).respond_with_data("busy", status=503)
    ledger = CountingLedger({"asos": 2})

    with pytest.raises(BudgetExhaustedError) as info:
        run_get(kit, ledger)

    assert len(kit.requests()) == 2  # the third attempt was never sent
    assert info.value.spent == 2
    assert len(kit.sleep.delays) == 2  # the two retries waited; the budget error was not retried


def test_ledger_is_charged_only_once_a_slot_is_free(kit):
    seen: list[int] = []
    ledger = CountingLedger({"asos": 10})

    def handler(request: Request) -> Response:
        seen.append(ledger.spent("asos"))  # what was charged when this request arrived
        return Response(OK)

    kit.expect(PATH).respond_with_handler(handler)

    async def fn(client: PortalClient) -> list[bytes]:
        return list(
            await asyncio.gather(*(client.get(PATH, {"n": n}, source="asos") for n in range(4)))
        )

    kit.run(fn, ledger=ledger, max_concurrency=1)

    # Charged per request as it goes out, not all four up front while waiting for the slot.
    assert seen == [1, 2, 3, 4]


def test_asos_paging_spends_one_request_per_page(kit):
    def handler(request: Request) -> Response:
        items = asos_records(108, DAY, date(2024, 6, 3))
        page, size = int(request.args["pageNo"]), int(request.args["numOfRows"])
        return Response(
            asos_page(
                items[(page - 1) * size : page * size],
                page_no=page,
                num_of_rows=size,
                total=len(items),
            )
        )

    kit.expect(ASOS_PATH).respond_with_handler(handler)
    ledger = CountingLedger({"asos": 100})

    async def fn(client: PortalClient) -> list[bytes]:
        return await LiveAsosSource(client, page_size=30).fetch_range(108, DAY, date(2024, 6, 3))

    assert len(kit.run(fn, ledger=ledger)) == 3
    assert ledger.spent("asos") == 3


def test_from_settings_passes_the_ledger_through(kit):
    kit.expect(PATH).respond_with_data(OK)
    ledger = CountingLedger({"wind": 5})
    settings = SourceSettings(mode="live", service_key=kit.plain_key, base_url=kit.base_url)

    async def main() -> None:
        async with PortalClient.from_settings(settings, ledger=ledger) as client:
            assert client.ledger is ledger
            await client.get(PATH, {}, source="wind")

    asyncio.run(main())
    assert ledger.spent("wind") == 1
