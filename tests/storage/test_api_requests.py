"""The daily request ledger on both engines: atomic, per source and day, shared by writers."""

from __future__ import annotations

import threading
from datetime import date

from storage import Storage

DAY = date(2024, 6, 1)


def test_spends_until_the_budget_then_refuses(storage: Storage) -> None:
    results = [storage.try_spend_request("pv", DAY, 3) for _ in range(5)]
    assert results == [(True, 1), (True, 2), (True, 3), (False, 3), (False, 3)]
    assert storage.requests_sent("pv", DAY) == 3


def test_sources_and_days_have_their_own_counts(storage: Storage) -> None:
    storage.try_spend_request("pv", DAY, 10)
    storage.try_spend_request("asos", DAY, 10)
    storage.try_spend_request("asos", DAY, 10)
    storage.try_spend_request("asos", date(2024, 6, 2), 10)
    assert storage.requests_sent("pv", DAY) == 1
    assert storage.requests_sent("asos", DAY) == 2
    assert storage.requests_sent("asos", date(2024, 6, 2)) == 1
    assert storage.requests_sent("wind", DAY) == 0


def test_a_zero_budget_sends_nothing(storage: Storage) -> None:
    assert storage.try_spend_request("wind", DAY, 0) == (False, 0)


def test_concurrent_writers_never_exceed_the_budget(storage: Storage) -> None:
    # Four threads race for 25 requests of a budget of 40: exactly 40 succeed.
    granted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            ok, _count = storage.try_spend_request("asos", DAY, 40)
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 40
    assert storage.requests_sent("asos", DAY) == 40
