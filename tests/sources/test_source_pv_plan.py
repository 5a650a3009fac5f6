"""The PV query planner: fewest requests, windows of at most a year, coverage, determinism."""

from __future__ import annotations

import itertools
import math
import random
from datetime import date, timedelta

import pytest

from sources.pv_plan import PvQuery, plan_pv_queries, total_requests

D0 = date(2023, 1, 1)
UNITS = [(f"G{n:02d}", 1 + n % 3) for n in range(31)]


def days(n: int, start: date = D0) -> list[date]:
    return [start + timedelta(days=k) for k in range(n)]


def plan(wanted, *, units=31, page_size=100, max_days=366):
    return plan_pv_queries(wanted, units_in_answer=units, page_size=page_size, max_days=max_days)


def covered(queries: list[PvQuery], wanted) -> bool:
    return all(
        any(q.start <= d <= q.end and (q.unit is None or q.unit == (g, h)) for q in queries)
        for g, h, d in wanted
    )


def test_a_whole_year_of_every_unit_is_one_query_of_114_requests():
    wanted = [(g, h, d) for g, h in UNITS for d in days(365)]

    queries = plan(wanted)

    assert total_requests(queries) <= 250
    assert queries == [PvQuery(D0, date(2023, 12, 31), None, math.ceil(31 * 366 / 100))]
    assert total_requests(queries) == 114


def test_a_leap_year_needs_two_windows_since_the_extra_day_counts():
    wanted = [(g, h, d) for g, h in UNITS for d in days(366, date(2024, 1, 1))]

    queries = plan(wanted)

    assert len(queries) == 2 and all(q.unit is None and q.days + 1 <= 366 for q in queries)
    assert covered(queries, wanted)


def test_seven_days_of_every_unit_is_a_handful():
    queries = plan([(g, h, d) for g, h in UNITS for d in days(7)])

    assert queries == [PvQuery(D0, D0 + timedelta(days=6), None, 3)]


def test_one_missing_unit_day_is_one_per_unit_request():
    assert plan([("997S", 1, D0)]) == [PvQuery(D0, D0, ("997S", 1), 1)]


def test_few_units_over_a_long_span_go_per_unit():
    wanted = [(g, h, d) for g, h in UNITS[:2] for d in days(365)]

    queries = plan(wanted)

    assert [q.unit for q in queries] == [UNITS[0], UNITS[1]]
    assert total_requests(queries) == 2 * math.ceil(366 / 100)


def test_a_long_gap_splits_the_span_a_short_one_does_not():
    far = [(g, h, d) for g, h in UNITS for d in (D0, D0 + timedelta(days=300))]
    assert plan(far) == [
        PvQuery(D0, D0, None, 1),
        PvQuery(D0 + timedelta(days=300), D0 + timedelta(days=300), None, 1),
    ]

    # One unit, days 1-10 and 15-20: one query (1 request) beats two (2 requests).
    near = [("997S", 1, d) for d in days(10) + days(6, D0 + timedelta(days=14))]
    assert plan(near) == [PvQuery(D0, D0 + timedelta(days=19), ("997S", 1), 1)]


def test_runs_longer_than_a_window_are_cut():
    wanted = [("997S", 1, d) for d in days(800)]

    queries = plan(wanted)

    assert [q.days for q in queries] == [365, 365, 70]
    assert covered(queries, wanted)


def test_empty_wanted_is_an_empty_plan_and_bad_arguments_are_refused():
    assert plan([]) == []
    with pytest.raises(ValueError):
        plan([("997S", 1, D0)], units=0)
    with pytest.raises(ValueError):
        plan([("997S", 1, D0)], page_size=0)
    with pytest.raises(ValueError):
        plan([("997S", 1, D0)], max_days=1)


def _random_wanted(rng: random.Random, n_units: int, span: int, density: float):
    return [
        (g, h, D0 + timedelta(days=k))
        for g, h in UNITS[:n_units]
        for k in range(span)
        if rng.random() < density
    ]


@pytest.mark.parametrize("seed", range(12))
def test_plans_cover_everything_within_windows_with_honest_estimates_in_a_fixed_order(seed):
    rng = random.Random(seed)
    wanted = _random_wanted(
        rng, rng.randint(1, 31), rng.randint(1, 900), rng.choice([0.02, 0.3, 0.9])
    )
    page_size = rng.choice([10, 100, 1000])

    queries = plan(wanted, page_size=page_size)

    assert covered(queries, wanted)
    for q in queries:
        assert q.days + 1 <= 366
        per_day = 31 if q.unit is None else 1
        assert q.requests == math.ceil(per_day * (q.days + 1) / page_size)
    shuffled = list(wanted)
    rng.shuffle(shuffled)
    assert plan(shuffled, page_size=page_size) == queries
    keys = [(q.unit or ("", 0), q.start) for q in queries]
    assert keys == sorted(keys)


def _brute_force(sorted_days: list[date], cost, window: int) -> int:
    """Fewest requests over every split of the wanted days into consecutive groups."""
    best = math.inf
    n = len(sorted_days)
    for cuts in itertools.product([False, True], repeat=n - 1):
        total, start = 0, sorted_days[0]
        for i in range(1, n + 1):
            if i == n or cuts[i - 1]:
                span = (sorted_days[i - 1] - start).days + 1
                if span > window:
                    total = math.inf
                    break
                total += cost(span)
                if i < n:
                    start = sorted_days[i]
        best = min(best, total)
    return int(best)


@pytest.mark.parametrize("seed", range(20))
def test_the_chosen_cover_is_the_cheapest_split(seed):
    rng = random.Random(100 + seed)
    picked = sorted(rng.sample(range(60), rng.randint(1, 9)))
    wanted_days = [D0 + timedelta(days=k) for k in picked]
    page_size, units, max_days = rng.choice([(5, 3, 30), (10, 4, 60), (3, 2, 20)])

    all_units = plan(
        [(g, h, d) for g, h in UNITS[:units] for d in wanted_days],
        units=units,
        page_size=page_size,
        max_days=max_days,
    )
    one_unit = plan(
        [("997S", 1, d) for d in wanted_days], units=units, page_size=page_size, max_days=max_days
    )

    window = max_days - 1
    cheapest_all = _brute_force(
        wanted_days, lambda s: math.ceil(units * (s + 1) / page_size), window
    )
    cheapest_unit = _brute_force(wanted_days, lambda s: math.ceil((s + 1) / page_size), window)
    assert total_requests(one_unit) == cheapest_unit
    # Every unit wanted on every day: the plan is the cheaper of the two kinds.
    assert total_requests(all_units) == min(cheapest_all, units * cheapest_unit)
