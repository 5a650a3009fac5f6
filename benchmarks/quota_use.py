"""Quota use of a backfill, old way against new: requests counted by a local HTTP server.

Run::

    uv run --frozen --no-sync python -m benchmarks.quota_use               # print only
    uv run --frozen --no-sync python -m benchmarks.quota_use --write-docs  # + docs section, PNG
    uv run --frozen --no-sync python -m benchmarks.quota_use --quick       # smoke test, seconds

Development keys of data.go.kr allow 1,000 requests a day on the Nambu PV API
and 10,000 on ASOS and Namdong wind, so what a backfill costs is counted in
requests. Three backfills are run against :class:`sources.replay.PortalServer`
(a real threaded HTTP server on 127.0.0.1 serving
:class:`sources.replay.PortalEmulator`, each response delayed by a random
100-300 ms), through one :class:`sources.http_client.PortalClient` with the
settings defaults (8 in flight, 20 requests/s, ``configs/test.toml``):

* ASOS, 10 years (2015-01-01..2024-12-31) of the 43 stations of
  ``configs/prod.toml``. New: ``LiveAsosSource.fetch_range(station, first,
  last)`` over chunks of ``page_size // 24`` = 41 days, the chunks one after
  the other and the stations of a chunk together (``pipeline.backfill``
  and ``pipeline.weather``). Old: one ``fetch_range(station, day, day)``
  per station-day.
* Nambu PV, 2023 (365 days) of the 31 units of
  ``pipeline/reference/nambu_pv_units.csv``. New:
  ``plan_pv_queries(wanted, units_in_answer=31, page_size=100)`` and one
  ``fetch_range`` per planned query. Old: one ``fetch_range(day, day, unit)``
  per unit-day.
* Namdong wind, 2023, 5 units: ``LiveWindSource.fetch(month_start,
  month_end)`` per month, paged until an empty page. The legacy collector
  also asked one month per query at page size 100, so old and new are the
  same queries; it is measured once.

The old ways would take hours (157,079 ASOS requests), so they are measured
on a slice (the first 30 days of every station / unit) and extrapolated: the
request count is a formula (one request per station-day / unit-day, checked
on the slice), the wall time is scaled linearly by requests. Every count
comes from the server, and is checked against the formula the pipeline's
planners use (``asos_request_count``, ``plan_pv_queries``,
``wind_request_estimate``). Every answer is parsed to check that the records
returned cover exactly the requested station-hours / unit-days, each once.
Nothing about time is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import math
import os
import platform
import random
import time
import tomllib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib.resources import files
from pathlib import Path

from sources.concurrency import gather_all
from sources.http_client import PortalClient
from sources.kma_asos import PATH as ASOS_PATH
from sources.kma_asos import LiveAsosSource, asos_request_count
from sources.nambu_pv import PATH as PV_PATH
from sources.nambu_pv import LiveNambuPvSource
from sources.namdong_wind import PATH as WIND_PATH
from sources.namdong_wind import LiveWindSource, month_ranges, page_records, wind_request_estimate
from sources.pv_plan import plan_pv_queries, total_requests
from sources.pv_xml import item_elements, parse_success
from sources.replay import (
    LazyRecords,
    PortalEmulator,
    PortalServer,
    SyntheticAsos,
    SyntheticPv,
    SyntheticWind,
)
from sources.retry import RetryPolicy
from sources.service_key import ServiceKey

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "pipeline_benchmarks.md"
PNG = ROOT / "docs" / "img" / "quota_use.png"
SECTION = "## Quota use: backfill requests, old way against new"
#: Sections this benchmark replaces (the benchmark it succeeds wrote the first).
OLD_SECTIONS = ("## PV backfill concurrency",)
COMMAND = "uv run --frozen --no-sync python -m benchmarks.quota_use --write-docs"

#: Requests a day on a development key (the portal counts every request, retries included).
DEV_QUOTA = {"asos": 10_000, "pv": 1_000, "wind": 10_000}
#: The records one ASOS page holds ([sources.asos] page_size), hence 41-day chunks.
ASOS_PAGE = 999
#: The PV page size ([sources.pv] page_size) and the wind page size ([sources.wind] page_size).
PV_PAGE = 100
WIND_PAGE = 100
#: Namdong's wind units as the API names them (tests/sources/test_source_replay.py).
WIND_UNITS = (
    ("9997", 1, "영흥풍력"),
    ("9997", 2, "영흥풍력"),
    ("9995", 1, "군위 화산풍력"),
    ("9996", 1, "삼천포풍력"),
    ("9994", 1, "어음풍력"),
)
#: A placeholder: the local server never checks it, and it is no real key.
BENCH_KEY = "BenchmarkOnlyKey+NotASecret/0123456789=="
HOURS = 24


# -- what is backfilled -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    stations: tuple[int, ...]
    asos: tuple[date, date]
    #: Days (from the start of each range) of the old-way slices.
    asos_old_days: int
    pv_units: tuple[tuple[str, int, str], ...]
    pv: tuple[date, date]
    pv_old_days: int
    #: Units of the old PV slice (the first n of ``pv_units``).
    pv_old_units: int
    wind: tuple[date, date]


def prod_stations() -> tuple[int, ...]:
    """The 43 ASOS stations of ``configs/prod.toml`` (the legacy collector's count)."""
    with (ROOT / "configs" / "prod.toml").open("rb") as fh:
        return tuple(tomllib.load(fh)["pipeline"]["asos_station_ids"])


def reference_pv_units() -> tuple[tuple[str, int, str], ...]:
    """(gencd, hogi, plant_name) of the reference CSV, via ``pipeline.reference``."""
    from pipeline.reference import PV_UNITS_FILE, pv_units

    text = files("pipeline.reference").joinpath(PV_UNITS_FILE).read_text(encoding="utf-8")
    names = {
        (r["gencd"].strip(), int(r["hogi"])): r["plant_name"]
        for r in csv.DictReader(io.StringIO(text))
    }
    return tuple((g, h, names[(g, h)]) for g, h in pv_units())


def full_scenario() -> Scenario:
    return Scenario(
        stations=prod_stations(),
        asos=(date(2015, 1, 1), date(2024, 12, 31)),
        asos_old_days=30,
        pv_units=reference_pv_units(),
        pv=(date(2023, 1, 1), date(2023, 12, 31)),
        pv_old_days=30,
        pv_old_units=31,
        wind=(date(2023, 1, 1), date(2023, 12, 31)),
    )


def quick_scenario() -> Scenario:
    """Small slices of the same backfills, for a smoke test (a few dozen requests)."""
    return Scenario(
        stations=prod_stations()[:3],
        asos=(date(2024, 1, 1), date(2024, 3, 22)),  # 82 days: two 41-day chunks
        asos_old_days=2,
        pv_units=reference_pv_units(),
        pv=(date(2023, 1, 1), date(2023, 1, 14)),
        pv_old_days=2,
        pv_old_units=2,
        wind=(date(2023, 1, 1), date(2023, 2, 28)),
    )


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def chunks(first: date, last: date, size: int) -> list[tuple[date, date]]:
    """``first``..``last`` in chunks of ``size`` days (``pipeline.backfill._chunks``)."""
    out = []
    while first <= last:
        end = min(last, first + timedelta(days=size - 1))
        out.append((first, end))
        first = end + timedelta(days=1)
    return out


# -- record providers ---------------------------------------------------------------------------


class BenchAsos:
    """Hourly ASOS records of ``stations`` for every hour of ``start``..``end``, made on demand.

    The real 38-field record (all values strings, from
    :meth:`SyntheticAsos.record`) with ``tm``, station and a seasonal/diurnal
    ``ta``/``hm`` from precomputed tables. :class:`SyntheticAsos` draws seeded
    noise per record, ~65 ms per 999-record page: at 20 pages a second the
    server would need more than one of the two cores. This costs ~10 ms.
    """

    def __init__(self, stations: Sequence[int], start: date, end: date) -> None:
        self.stations = frozenset(stations)
        self.start = datetime.combine(start, datetime.min.time())
        self.end = datetime.combine(end, datetime.min.time()) + timedelta(hours=23)
        self.template = SyntheticAsos([0], start, start).record(0, self.start)
        self.ta: list[str] = []
        self.hm: list[str] = []
        for k in range(365 * HOURS):
            day, hour = divmod(k, HOURS)
            ta = 12.0 - 10.0 * math.cos(2 * math.pi * (day - 15) / 365)
            ta += -4.0 * math.cos((hour - 3) / HOURS * 2 * math.pi) + ((k * 7919) % 17 - 8) / 10
            self.ta.append(f"{ta:.1f}")
            self.hm.append(str(40 + (k * 104729) % 55))

    def hours(self, station: int, first: datetime, last: datetime) -> LazyRecords[dict[str, str]]:
        if station not in self.stations:
            return LazyRecords(0, self.template.copy)
        lo, hi = max(first, self.start), min(last, self.end)
        count = (hi - lo) // timedelta(hours=1) + 1 if hi >= lo else 0
        return LazyRecords(count, lambda i: self.record(station, lo + timedelta(hours=i)))

    def record(self, station: int, hour: datetime) -> dict[str, str]:
        k = ((hour.toordinal() % 365) * HOURS + hour.hour + station * 31) % len(self.ta)
        record = self.template.copy()
        record.update(
            tm=f"{hour:%Y-%m-%d %H}:00",
            stnId=str(station),
            stnNm=str(station),
            ta=self.ta[k],
            ts=self.ta[k],
            hm=self.hm[k],
        )
        return record


def emulator(s: Scenario) -> PortalEmulator:
    # PV records exist through the day after the range: the API has them, and every PV
    # query asks strEdate = end + 1 (sources.nambu_pv), so they are in the answers.
    return PortalEmulator(
        asos=BenchAsos(s.stations, *s.asos),
        pv=SyntheticPv(s.pv_units, s.pv[0], s.pv[1] + timedelta(days=1)),
        wind=SyntheticWind(WIND_UNITS, *s.wind),
    )


# -- checking what came back ------------------------------------------------------------------


class CoverageError(AssertionError):
    """The records returned are not exactly the ones asked for."""


def asos_check(pages: list[bytes], station: int, first: date, last: date) -> int:
    """The hours of ``pages``, checked to be exactly ``first`` 00:00 .. ``last`` 23:00 of ``station``."""
    tms: list[str] = []
    for body in pages:
        item = json.loads(body)["response"]["body"]["items"]["item"]
        for record in [item] if isinstance(item, dict) else item:
            if record["stnId"] != str(station):
                raise CoverageError(f"station {station}: a record of station {record['stnId']}")
            tms.append(record["tm"])
    start = datetime.combine(first, datetime.min.time())
    expected = [
        f"{start + timedelta(hours=h):%Y-%m-%d %H}:00"
        for h in range(((last - first).days + 1) * HOURS)
    ]
    if tms != expected:
        raise CoverageError(
            f"station {station} {first}..{last}: {len(tms)} hours, expected {len(expected)}"
        )
    return len(tms)


def pv_unit_days(pages: list[bytes]) -> list[tuple[str, int, date, int]]:
    """(gencd, hogi, day, hourly values present) of every record of ``pages``."""
    out = []
    for body in pages:
        for item in item_elements(parse_success(body, what="benchmark")):
            values = {child.tag: (child.text or "").strip() for child in item}
            hours = sum(1 for n in range(1, HOURS + 1) if values.get(f"qhorgen{n:02d}"))
            day = (
                date.fromisoformat(values["ymd"])
                if "-" in values["ymd"]
                else datetime.strptime(values["ymd"], "%Y%m%d").date()
            )
            out.append((values["gencd"], int(values["hogi"]), day, hours))
    return out


def wind_unit_days(pages: list[bytes]) -> list[tuple[str, int, date, int]]:
    out = []
    for body in pages:
        for r in page_records(body, what="benchmark"):
            hours = sum(
                1 for n in range(1, HOURS + 1) if r.get(f"qhorGen{n:02d}") not in (None, "")
            )
            out.append(
                (
                    str(r["ippt"]),
                    int(r["hogi"]),
                    datetime.strptime(str(r["dgenYmd"]).replace("-", ""), "%Y%m%d").date(),
                    hours,
                )
            )
    return out


def check_unit_days(
    got: list[tuple[str, int, date, int]], wanted: set[tuple[str, int, date]], what: str
) -> int:
    """Keep the wanted unit-days of ``got`` (an answer may hold more), check each is there once
    with 24 hourly values; the number of hourly values."""
    kept = [g for g in got if g[:3] in wanted]
    keys = [g[:3] for g in kept]
    if len(keys) != len(set(keys)) or set(keys) != wanted:
        raise CoverageError(
            f"{what}: {len(set(keys))} distinct of {len(wanted)} wanted unit-days, {len(keys)} records"
        )
    if any(g[3] != HOURS for g in kept):
        raise CoverageError(f"{what}: a unit-day without 24 hourly values")
    return HOURS * len(kept)


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Measured:
    """One way of one source: what the server counted and how long it took."""

    source: str
    way: str
    #: What was sent, in words.
    method: str
    #: What was measured (the whole backfill or a slice of it).
    scope: str
    requests: int
    seconds: float
    #: Requests the planners' formulas predict for the measured scope.
    expected: int
    #: Hourly values checked in the answers (station-hours / unit-hours).
    hours_checked: int
    #: The whole backfill: requests (exact, a formula when the scope is a slice).
    full_requests: int
    max_in_flight: int = 0
    retries: int = 0
    #: Quota days of a development key.
    quota: int = field(default=0)

    @property
    def extrapolated(self) -> bool:
        return self.full_requests != self.requests

    @property
    def full_seconds(self) -> float:
        return self.seconds * self.full_requests / self.requests

    @property
    def quota_days(self) -> float:
        return self.full_requests / self.quota


async def timed(
    server: PortalServer, client: PortalClient, path: str, work: Callable[[], Awaitable[int]]
) -> tuple[int, float, int, int, int]:
    """Run ``work`` (returns hours checked); (server-side requests, seconds, hours, max in flight, retries)."""
    server.reset()
    retries = client.stats.retries
    started = time.perf_counter()
    hours = await work()
    seconds = time.perf_counter() - started
    counts = server.counts
    other = sum(n for p, n in counts.items() if p != path)
    if other:
        raise AssertionError(f"requests to other paths while measuring {path}: {counts}")
    return counts[path], seconds, hours, server.max_in_flight, client.stats.retries - retries


async def measure_all(
    s: Scenario, server: PortalServer, client: PortalClient, log: Callable[[str], None]
) -> list[Measured]:
    results: list[Measured] = []

    def record(m: Measured) -> None:
        if m.requests != m.expected:
            raise AssertionError(
                f"{m.source} {m.way}: server counted {m.requests}, the formula says {m.expected}"
            )
        results.append(m)
        label = "extrapolated" if m.extrapolated else "measured"
        log(
            f"{m.source:5s} {m.way:4s} {m.requests:6d} requests in {m.seconds:7.1f} s "
            f"({m.requests / m.seconds:4.1f}/s, max in flight {m.max_in_flight}, retries {m.retries}); "
            f"whole backfill {m.full_requests:,} requests, {m.full_seconds:,.0f} s {label}; "
            f"{m.hours_checked:,} hourly values checked"
        )

    # ASOS ---------------------------------------------------------------------------------
    asos = LiveAsosSource(client, page_size=ASOS_PAGE)
    chunk_days = ASOS_PAGE // HOURS
    a0, a1 = s.asos
    all_days = days(a0, a1)
    n_st = len(s.stations)

    async def asos_one(station: int, first: date, last: date) -> int:
        return asos_check(await asos.fetch_range(station, first, last), station, first, last)

    async def asos_new() -> int:
        total = 0
        for first, last in chunks(a0, a1, chunk_days):  # one backfill step after the other
            total += sum(await gather_all(asos_one(st, first, last) for st in s.stations))
        return total

    old_days = all_days[: s.asos_old_days]

    async def asos_old() -> int:
        total = 0
        for day in old_days:
            total += sum(await gather_all(asos_one(st, day, day) for st in s.stations))
        return total

    new_chunks = chunks(a0, a1, chunk_days)
    n, sec, hrs, mif, rt = await timed(server, client, ASOS_PATH, asos_new)
    record(
        Measured(
            "asos",
            "new",
            f"`fetch_range(station, first, last)`, {chunk_days}-day chunks ({len(new_chunks)} per station)",
            f"whole backfill: {n_st} stations x {len(all_days):,} days",
            n,
            sec,
            sum(asos_request_count(first, last, ASOS_PAGE) for first, last in new_chunks) * n_st,
            hrs,
            n,
            mif,
            rt,
            DEV_QUOTA["asos"],
        )
    )
    n, sec, hrs, mif, rt = await timed(server, client, ASOS_PATH, asos_old)
    record(
        Measured(
            "asos",
            "old",
            "`fetch_range(station, day, day)` per station-day",
            f"slice: {n_st} stations x {len(old_days)} days",
            n,
            sec,
            n_st * len(old_days),
            hrs,
            n_st * len(all_days),
            mif,
            rt,
            DEV_QUOTA["asos"],
        )
    )

    # PV -------------------------------------------------------------------------------------------
    pv = LiveNambuPvSource(client, page_size=PV_PAGE)
    units = [(g, h) for g, h, _ in s.pv_units]
    pv_days = days(*s.pv)
    wanted = {(g, h, d) for g, h in units for d in pv_days}
    plan = plan_pv_queries(sorted(wanted), units_in_answer=len(units), page_size=PV_PAGE)

    async def pv_new() -> int:
        answers = await gather_all(pv.fetch_range(q.start, q.end, q.unit) for q in plan)
        return check_unit_days(
            [r for pages in answers for r in pv_unit_days(pages)], wanted, "pv new"
        )

    old_units = units[: s.pv_old_units]
    old_pv_days = pv_days[: s.pv_old_days]

    async def pv_old() -> int:
        total = 0
        for day in old_pv_days:
            answers = await gather_all(pv.fetch_range(day, day, unit) for unit in old_units)
            for unit, pages in zip(old_units, answers, strict=True):
                total += check_unit_days(
                    pv_unit_days(pages), {(*unit, day)}, f"pv old {unit} {day}"
                )
        return total

    shape = ", ".join(
        f"{q.start}..{q.end} {'all units' if q.unit is None else q.unit}" for q in plan[:3]
    )
    n, sec, hrs, mif, rt = await timed(server, client, PV_PATH, pv_new)
    record(
        Measured(
            "pv",
            "new",
            f"`plan_pv_queries` ({len(plan)} quer{'y' if len(plan) == 1 else 'ies'}: {shape}{', ...' if len(plan) > 3 else ''}), "
            f"`fetch_range` each, page size {PV_PAGE}",
            f"whole backfill: {len(units)} units x {len(pv_days)} days",
            n,
            sec,
            total_requests(plan),
            hrs,
            n,
            mif,
            rt,
            DEV_QUOTA["pv"],
        )
    )
    n, sec, hrs, mif, rt = await timed(server, client, PV_PATH, pv_old)
    record(
        Measured(
            "pv",
            "old",
            "`fetch_range(day, day, unit)` per unit-day",
            f"slice: {len(old_units)} units x {len(old_pv_days)} days",
            n,
            sec,
            len(old_units) * len(old_pv_days),
            hrs,
            len(units) * len(pv_days),
            mif,
            rt,
            DEV_QUOTA["pv"],
        )
    )

    # wind ---------------------------------------------------------------------------------------------
    wind = LiveWindSource(client, page_size=WIND_PAGE)
    months = month_ranges(*s.wind)
    wind_wanted = {(u[0], u[1], d) for u in WIND_UNITS for d in days(*s.wind)}

    async def wind_new() -> int:
        got = []
        for first, last in months:  # one backfill step per month, in date order
            got += wind_unit_days(await wind.fetch(first, last))
        return check_unit_days(got, wind_wanted, "wind")

    n, sec, hrs, mif, rt = await timed(server, client, WIND_PATH, wind_new)
    record(
        Measured(
            "wind",
            "new",
            f"`fetch(month_start, month_end)` per month ({len(months)}), paged until an empty page, page size {WIND_PAGE}",
            f"whole backfill: {len(WIND_UNITS)} units x {len(wind_wanted) // len(WIND_UNITS)} days",
            n,
            sec,
            sum(
                wind_request_estimate((last - first).days + 1, len(WIND_UNITS), WIND_PAGE)
                for first, last in months
            ),
            hrs,
            n,
            mif,
            rt,
            DEV_QUOTA["wind"],
        )
    )
    return results


@dataclass(frozen=True)
class Settings:
    max_concurrency: int = 8
    requests_per_second: float = 20.0
    latency_ms: tuple[int, int] = (100, 300)
    seed: int = 7


def run(
    s: Scenario, settings: Settings = Settings(), log: Callable[[str], None] = print
) -> list[Measured]:
    """Serve ``s``'s records on 127.0.0.1 and measure every way; the measurements in order."""
    rng = random.Random(settings.seed)
    low, high = (ms / 1000 for ms in settings.latency_ms)
    with PortalServer(emulator(s), latency_s=lambda: rng.uniform(low, high)) as server:

        async def main() -> list[Measured]:
            async with PortalClient(
                base_url=server.base_url,
                service_key=ServiceKey(BENCH_KEY),
                max_concurrency=settings.max_concurrency,
                requests_per_second=settings.requests_per_second,
                retry=RetryPolicy(),
            ) as client:
                return await measure_all(s, server, client, log)

        return asyncio.run(main())


# -- the report ------------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.1f} min"
    return f"{minutes / 60:.1f} h"


TITLES = {
    "asos": "KMA ASOS: 10-year weather backfill, 43 stations",
    "pv": "Nambu PV: one year, all 31 units",
    "wind": "Namdong wind: one year, 5 units",
}


def section(
    results: list[Measured], s: Scenario, settings: Settings, machine: str, quick: bool
) -> str:
    by = {(m.source, m.way): m for m in results}
    lat = f"{settings.latency_ms[0]}-{settings.latency_ms[1]} ms"
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}`{' (--quick: small slices)' if quick else ''}. Source: `benchmarks/quota_use.py`.",
        "",
        "What a backfill costs in requests, the unit of the portal's daily quota (development keys: "
        "1,000 requests a day on Nambu PV, 10,000 on KMA ASOS and on Namdong wind; retries count). "
        "Each backfill runs through the live sources as the pipeline uses them, over one "
        f"`PortalClient` ({settings.max_concurrency} requests in flight, {settings.requests_per_second:g} "
        "requests/s: the settings defaults, as in `configs/test.toml`; `configs/prod.toml` sets 10 requests/s, "
        "which would double the rate-bound wall times), against `sources.replay.PortalServer`: a threaded "
        "HTTP server on 127.0.0.1 answering the three APIs' range queries in their real formats from "
        f"generated records, each response delayed by a random {lat} (uniform, seeded). "
        "**Requests are counted by the server**, and each count equals the planners' formula for it "
        "(`asos_request_count`, `plan_pv_queries`, `wind_request_estimate`); no request was retried. "
        "Every answer was parsed: the records returned cover exactly the station-hours / unit-days asked "
        "for, each once, 24 hourly values each (the *checked* column), so the saving is not fetching less.",
        "",
        "The old ways would run for hours, so each is measured on a slice and extrapolated: the request "
        "count is exact (one request per station-day / unit-day, as counted on the slice), the wall time "
        "is scaled linearly by requests from the slice's. The old ways get the same client as the new, "
        "more than the legacy collector's loop had (it waited for each answer before asking the next: "
        "about 5 requests/s at these latencies), so their wall times are what this client would take, "
        "not the legacy's.",
        "",
    ]
    for source in ("asos", "pv", "wind"):
        rows = [by[(source, w)] for w in ("old", "new") if (source, w) in by]
        quota = rows[0].quota
        lines += [
            f"### {TITLES[source]}",
            "",
            f"| way | what is sent | requests (server-side) | wall time | days of development-key quota ({quota:,}/day) | checked |",
            "| --- | --- | ---: | --- | ---: | --- |",
        ]
        if source == "wind":
            m = rows[0]
            lines.append(
                f"| old | the same queries: the legacy collector also asked one month per query at page size "
                f"{WIND_PAGE} | {m.full_requests:,} (same queries) | same | {m.quota_days:.4f} (1 day) | - |"
            )
        for m in rows:
            if m.extrapolated:
                req = f"{m.full_requests:,} (formula; {m.requests:,} measured on the {m.scope.removeprefix('slice: ')})"
                wall = f"{duration(m.full_seconds)}, extrapolated from {m.requests:,} requests measured in {m.seconds:.1f} s"
            else:
                req = f"{m.requests:,} (measured, whole backfill)"
                wall = f"{duration(m.seconds)} measured"
            whole = math.ceil(m.quota_days)
            days_ = (
                f"{m.quota_days:.4f} (1 day)"
                if m.quota_days < 0.01
                else f"{m.quota_days:.2f} ({whole} day{'s' if whole > 1 else ''})"
            )
            unit = "station-hours" if source == "asos" else "unit-hours"
            lines.append(
                f"| {m.way} | {m.method} | {req} | {wall} | {days_} | {m.hours_checked:,} {unit} ({m.scope}) |"
            )
        lines.append("")
        if len(rows) == 2:
            old, new = rows
            lines += [
                f"New/old requests: {new.full_requests:,} / {old.full_requests:,} = "
                f"{100 * new.full_requests / old.full_requests:.1f}% ({old.full_requests / new.full_requests:.0f}x fewer); "
                f"wall time {duration(new.full_seconds)} against {duration(old.full_seconds)} (extrapolated).",
                "",
            ]
    lines += ["Reading it:", ""]
    if ("asos", "new") in by and ("asos", "old") in by:
        new_, old_ = by[("asos", "new")], by[("asos", "old")]
        lines.append(
            f"- ASOS: one range query per station and {ASOS_PAGE // HOURS}-day chunk ({ASOS_PAGE} records, "
            f"one page, hold {ASOS_PAGE // HOURS} days x 24 hours): {new_.full_requests:,} requests (target <= 4,000), "
            f"{new_.quota_days:.2f} of a day's development-key quota; one request per station-day needs "
            f"{old_.quota_days:.1f} days of quota for the same records."
        )
    if ("pv", "new") in by and ("pv", "old") in by:
        new_, old_ = by[("pv", "new")], by[("pv", "old")]
        n_units, n_days = len(s.pv_units), (s.pv[1] - s.pv[0]).days + 1
        lines.append(
            f"- PV: {new_.full_requests} requests (target <= 250, i.e. about 2% of the old way's "
            f"{old_.full_requests:,}) for {n_units} x {n_days} unit-days: the planner chose one all-units query "
            f"of {s.pv[0]}..{s.pv[1]}, asked up to {s.pv[1] + timedelta(days=1)} (the API's next-day rule, "
            f"`sources.nambu_pv`), {n_units * (n_days + 1):,} records in pages of {PV_PAGE} (31 per-unit queries "
            f"would cost {n_units * math.ceil((n_days + 1) / PV_PAGE)}). The page size is `[sources.pv] page_size` "
            f"= {PV_PAGE}: the page size the legacy collector used with these portal services, and within what "
            "data.go.kr list services accept. Larger pages would need fewer requests but are not verified "
            "against the live service, so 100 stays the default and anything larger is a setting to try, not "
            "an assumption of this benchmark. The old way needs "
            f"{old_.quota_days:.1f} days of the 1,000-a-day quota."
        )
    if ("wind", "new") in by:
        new_ = by[("wind", "new")]
        lines.append(
            f"- Wind: one query per month, paged until an empty page (which the quota counts too); the legacy "
            f"collector asked the same way, so old and new are the same requests: {new_.full_requests} for the "
            f"year ({len(month_ranges(*s.wind))} months x (2 pages of records + 1 empty page)), of 10,000 a day. "
            "Nothing to save here."
        )
    rates = ", ".join(f"{m.source} {m.way} {m.requests / m.seconds:.1f}" for m in results)
    lines.append(
        f"- Wall time follows the request count: the client starts at most {settings.requests_per_second:g} "
        f"requests a second, {settings.max_concurrency} in flight. The runs achieved fewer ({rates} "
        "requests/s) because each step waits for its slowest answer before the next step starts (an ASOS "
        "chunk of 43 stations, an old-way day, a wind month whose pages are asked one after another) and "
        "because the server making and the client parsing the answers (an ASOS page is 984 records, ~470 kB) "
        "share the 2 cores. It is the quota, not the wall time, that made the old ways impractical."
    )
    lines += [
        "",
        f"![Requests per backfill, old way against new]({PNG.relative_to(DOC.parent).as_posix()})",
        "",
    ]
    lines += [f"Machine: {machine}.", ""]
    return "\n".join(lines)


def plot(results: list[Measured], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = {(m.source, m.way): m for m in results}
    sources = ["asos", "pv", "wind"]
    labels = ["ASOS 10 y, 43 stations", "PV 1 y, 31 units", "wind 1 y, 5 units"]
    old = [by.get((s, "old"), by[(s, "new")]).full_requests for s in sources]
    new = [by[(s, "new")].full_requests for s in sources]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    x = range(len(sources))
    b1 = ax.bar(
        [i - 0.2 for i in x],
        old,
        0.4,
        label="old way (per station-day / unit-day)",
        color="#999999",
    )
    b2 = ax.bar([i + 0.2 for i in x], new, 0.4, label="new way (range queries)", color="#3b7dd8")
    for bars in (b1, b2):
        for bar in bars:
            ax.annotate(
                f"{int(bar.get_height()):,}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    for i, s in enumerate(sources):
        ax.hlines(DEV_QUOTA[s], i - 0.45, i + 0.45, colors="#d62728", linestyles=":", linewidth=1.2)
    ax.plot([], [], ":", color="#d62728", label="development-key quota per day")
    ax.set_yscale("log")
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("requests (server-side count, log scale)")
    ax.set_title("Requests per backfill (old way extrapolated from a slice)")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_section(text: str, doc: Path = DOC) -> None:
    """Replace this benchmark's section (or the one it succeeds); every other section stays."""
    old = doc.read_text(encoding="utf-8") if doc.exists() else "# Pipeline benchmarks\n\n"
    lines = old.splitlines(keepends=True)
    heads = (SECTION, *OLD_SECTIONS)
    start = next((i for i, line in enumerate(lines) if line.rstrip() in heads), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        after = "".join(lines[end:])
        new = "".join(lines[:start]) + text + ("\n" + after if after else "")
    doc.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs shared with other work "
        f"(load average {load} at the start), Python {platform.python_version()}, {date.today()}"
    )


def quiet_logs() -> None:
    """Per-request log lines would cost CPU inside the measured loop and flood the terminal."""
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def main(argv: list[str] | None = None) -> list[Measured]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small slices (a smoke test, seconds)")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"update {DOC.name} and {PNG.name}"
    )
    parser.add_argument(
        "--latency-ms", type=int, nargs=2, default=[100, 300], metavar=("LOW", "HIGH")
    )
    parser.add_argument("--max-concurrency", type=int, default=8)
    parser.add_argument("--requests-per-second", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    settings = Settings(
        args.max_concurrency, args.requests_per_second, tuple(args.latency_ms), args.seed
    )
    scenario = quick_scenario() if args.quick else full_scenario()
    where = machine()
    quiet_logs()
    results = run(scenario, settings)
    text = section(results, scenario, settings, where, args.quick)
    if args.write_docs:
        if args.quick:
            parser.error("--write-docs writes the full run's numbers; drop --quick")
        plot(results, PNG)
        write_section(text)
        print(f"wrote {DOC.relative_to(ROOT)} ({SECTION!r}) and {PNG.relative_to(ROOT)}")
    else:
        print(text)
    return results


if __name__ == "__main__":
    main()
