"""``pipeline.fetching.fetch_each``: outcomes per unit in input order; local, budget and fatal errors."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from pipeline.fetching import fetch_each
from sources.errors import (
    BudgetExhaustedError,
    FatalPortalError,
    RetryablePortalError,
    SourceUnavailableError,
)

DAYS = [date(2024, 6, d) for d in (1, 2, 3, 4)]


def fake_fetch(answers: dict[date, bytes | Exception]):
    async def fetch(day: date) -> bytes:
        await asyncio.sleep(0.001 * (40 - day.day))  # later days finish first
        answer = answers[day]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return fetch


def test_results_keep_the_input_order_and_a_unit_failure_stays_local() -> None:
    unavailable = SourceUnavailableError("pv: still failing after 4 attempts", source="pv")
    fetched = asyncio.run(
        fetch_each(
            DAYS, fake_fetch({DAYS[0]: b"a", DAYS[1]: unavailable, DAYS[2]: b"c", DAYS[3]: b"d"})
        )
    )
    assert list(fetched.results.items()) == [(DAYS[0], b"a"), (DAYS[2], b"c"), (DAYS[3], b"d")]
    assert fetched.failures == {DAYS[1]: unavailable}
    assert fetched.budget_stop is None


def test_a_spent_budget_keeps_what_arrived() -> None:
    spent = BudgetExhaustedError("pv", budget=2, spent=2, day=DAYS[0])
    fetched = asyncio.run(
        fetch_each(DAYS, fake_fetch({DAYS[0]: b"a", DAYS[1]: b"b", DAYS[2]: spent, DAYS[3]: spent}))
    )
    assert list(fetched.results) == DAYS[:2]
    assert fetched.over_budget == DAYS[2:]
    with pytest.raises(BudgetExhaustedError):
        fetched.raise_budget_stop()


@pytest.mark.parametrize(
    "fatal",
    [
        FatalPortalError("30", "SERVICE_KEY_IS_NOT_REGISTERED_ERROR", source="pv"),
        RetryablePortalError("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR", source="pv"),
    ],
)
def test_a_fatal_refusal_propagates(fatal: Exception) -> None:
    with pytest.raises(type(fatal)):
        asyncio.run(fetch_each(DAYS, fake_fetch(dict.fromkeys(DAYS, fatal))))
