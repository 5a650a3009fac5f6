"""The weather flow over ranges: one query per station per range, and batch-independent short-gap fills.

Rule (docs/weather_fills.md): for gaps of at most ``max_spline_gap`` hours,
the stored values and method codes after daily runs over D1..Dn (in order)
equal, within |a-b| <= 1e-9*max(1,|a|), what one run over D1..Dn stores.
Driven through :func:`run_weather` with a fake ASOS source that serves
pages in the real ASOS JSON format built from generated series.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from pipeline.weather import run_weather
from registry import Settings, load_settings
from sources import ASOS, NoDataError, Sources
from sources.errors import BudgetExhaustedError
from sources.replay import asos_body
from storage.facade import open_storage
from storage.schema import weather_hourly

NAMES = {108: "서울", 112: "인천", 119: "수원"}
PAGE = 999
TOLERANCE = 1e-9
HOUR = timedelta(hours=1)


def _text(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


@dataclass
class FakeAsos:
    """ASOS pages from in-memory hourly series: ``series[station]`` has ``tm``, ``ta``, ``hm`` (NaN: blank)."""

    series: dict[int, pd.DataFrame]
    calls: list[tuple[int, date, date]] = field(default_factory=list)
    #: Stations whose fetch raises the budget error instead of answering.
    over_budget: set[int] = field(default_factory=set)

    async def fetch(self, station_id: int, day: date) -> list[bytes]:
        return await self.fetch_range(station_id, day, day)

    async def fetch_range(self, station_id: int, start: date, end: date) -> list[bytes]:
        self.calls.append((station_id, start, end))
        if station_id in self.over_budget:
            raise BudgetExhaustedError(ASOS, budget=10, spent=10, day=end)
        frame = self.series.get(station_id)
        lo = datetime(start.year, start.month, start.day)
        hi = datetime(end.year, end.month, end.day) + timedelta(days=1)
        rows = [] if frame is None else frame[(frame["tm"] >= lo) & (frame["tm"] < hi)]
        if len(rows) == 0:
            raise NoDataError("03", f"no data for {station_id} in {start}..{end}", source=ASOS)
        items = [
            {
                "tm": tm.strftime("%Y-%m-%d %H:%M"),
                "rnum": str(i + 1),
                "stnId": str(station_id),
                "stnNm": NAMES[station_id],
                "ta": _text(ta),
                "taQcflg": "" if not math.isnan(ta) else "9",
                "hm": _text(hm),
                "hmQcflg": "" if not math.isnan(hm) else "9",
            }
            for i, (tm, ta, hm) in enumerate(zip(rows["tm"], rows["ta"], rows["hm"], strict=True))
        ]
        return [
            asos_body(
                items[at : at + PAGE], page_no=at // PAGE + 1, num_of_rows=PAGE, total=len(items)
            )
            for at in range(0, len(items), PAGE)
        ]


class NoClient:
    """Stands in for the HTTP client: the fake source sends no request."""

    async def aclose(self) -> None:
        return None


def fake_factory(asos: FakeAsos) -> Callable[..., Sources]:
    """A sources factory (``execute(..., sources_factory=...)``) whose ASOS is ``asos``."""

    def factory(settings: Settings, /, **_: Any) -> Sources:
        return Sources(mode="replay", asos=asos, wind=None, pv=None, client=NoClient())  # type: ignore[arg-type]

    return factory


def stored(settings: Settings) -> pd.DataFrame:
    w = weather_hourly
    with open_storage(settings) as db, db.engine.connect() as conn:
        rows = conn.execute(
            select(w.c.station_id, w.c.tm, w.c.ta, w.c.hm, w.c.ta_method, w.c.hm_method).order_by(
                w.c.station_id, w.c.tm
            )
        ).all()
    frame = pd.DataFrame(rows, columns=["station_id", "tm", "ta", "hm", "ta_method", "hm_method"])
    frame["tm"] = pd.to_datetime(frame["tm"])
    return frame.astype({"ta": "float64", "hm": "float64"}).set_index(["station_id", "tm"])


def short_gap_mask(values: np.ndarray, max_gap: int) -> np.ndarray:
    """Rows inside maximal NaN runs of at most ``max_gap`` rows."""
    mask = np.zeros(len(values), dtype=bool)
    i = 0
    while i < len(values):
        if np.isnan(values[i]):
            j = i
            while j < len(values) and np.isnan(values[j]):
                j += 1
            if j - i <= max_gap:
                mask[i:j] = True
            i = j
        else:
            i += 1
    return mask


@dataclass(frozen=True)
class Comparison:
    short_rows: int
    max_difference: float


def compare_daily_and_range(
    series: dict[int, pd.DataFrame], first: date, days: int
) -> tuple[Comparison, pd.DataFrame, pd.DataFrame]:
    """Daily runs and one range run, each into a fresh SQLite database; the checks of the rule."""
    last = first + timedelta(days=days - 1)
    stations = sorted(series)
    with tempfile.TemporaryDirectory() as daily_dir, tempfile.TemporaryDirectory() as range_dir:
        daily_settings = load_settings("test", data_dir=Path(daily_dir))
        range_settings = load_settings("test", data_dir=Path(range_dir))
        daily_asos, range_asos = FakeAsos(series), FakeAsos(series)
        for k in range(days):
            day = first + timedelta(days=k)
            run_weather(
                daily_settings, day, stations=stations, sources_factory=fake_factory(daily_asos)
            )
        run_weather(
            range_settings, first, last, stations=stations, sources_factory=fake_factory(range_asos)
        )
        # One query per station per run.
        assert sorted(range_asos.calls) == [(s, first, last) for s in stations]
        assert len(daily_asos.calls) == days * len(stations)
        daily, ranged = stored(daily_settings), stored(range_settings)

    max_gap = daily_settings.pipeline.max_spline_gap
    assert daily.index.equals(ranged.index)
    worst = 0.0
    short_rows = 0
    for stn, truth in series.items():
        for column in ("ta", "hm"):
            values = truth[column].to_numpy()
            observed = ~np.isnan(values)
            short = short_gap_mask(values, max_gap)
            keys = [(stn, pd.Timestamp(t)) for t in truth["tm"]]
            d = daily.loc[keys]
            r = ranged.loc[keys]
            # Observed values are the source's, identical in both.
            np.testing.assert_array_equal(d[column].to_numpy()[observed], values[observed])
            np.testing.assert_array_equal(r[column].to_numpy()[observed], values[observed])
            assert (d[f"{column}_method"].to_numpy()[observed] == "observed").all()
            assert (r[f"{column}_method"].to_numpy()[observed] == "observed").all()
            # Short-gap fills: identical method codes, values within the equivalence rule.
            dm, rm = (
                d[f"{column}_method"].to_numpy()[short],
                r[f"{column}_method"].to_numpy()[short],
            )
            assert dm.tolist() == rm.tolist(), (stn, column)
            assert set(rm.tolist()) <= {"spline", "linear", "edge"}, (stn, column, set(rm.tolist()))
            dv, rv = d[column].to_numpy()[short], r[column].to_numpy()[short]
            assert not np.isnan(rv).any()
            diff = np.abs(dv - rv)
            bound = TOLERANCE * np.maximum(1.0, np.abs(rv))
            assert (diff <= bound).all(), (stn, column, diff.max())
            short_rows += int(short.sum())
            if diff.size:
                worst = max(worst, float((diff / np.maximum(1.0, np.abs(rv))).max()))
    return Comparison(short_rows, worst), daily, ranged


# --------------------------------------------------------------------------- generated series


@st.composite
def gapped_series(draw: st.DrawFn) -> tuple[dict[int, pd.DataFrame], date, int]:
    """2-3 stations over 3-5 days: smooth hourly ta/hm, short gaps (some across midnight), a few long ones."""
    n_stations = draw(st.integers(2, 3))
    days = draw(st.integers(3, 5))
    first = draw(st.dates(date(2023, 1, 1), date(2024, 12, 1)))
    seed = draw(st.integers(0, 2**32 - 1))
    hours = 24 * days
    rng = np.random.default_rng(seed)
    times = pd.date_range(datetime(first.year, first.month, first.day), periods=hours, freq="h")
    t = np.arange(hours, dtype=float)
    series = {}
    for stn in sorted(NAMES)[:n_stations]:
        columns = {}
        for column, base, amp in (("ta", 5.0, 6.0), ("hm", 60.0, 15.0)):
            walk = np.cumsum(rng.normal(0.0, 0.3, hours))
            values = np.round(base + amp * np.sin(2 * np.pi * (t - 9) / 24) + walk, 1)
            # Short gaps across midnight: ending at 23:00, at 00:00 or after it.
            for boundary in draw(
                st.lists(st.integers(1, days - 1), min_size=1, max_size=days - 1, unique=True)
            ):
                length = draw(st.integers(1, 3))
                begin = 24 * boundary - draw(st.integers(0, length))
                values[max(0, begin) : begin + length] = np.nan
            # Short gaps anywhere, the series' own edges included.
            for begin, length in draw(
                st.lists(st.tuples(st.integers(0, hours - 1), st.integers(1, 3)), max_size=4)
            ):
                values[begin : begin + length] = np.nan
            # A few long gaps (longer than max_spline_gap).
            for begin, length in draw(
                st.lists(st.tuples(st.integers(0, hours - 1), st.integers(4, 9)), max_size=1)
            ):
                values[begin : begin + length] = np.nan
            columns[column] = values
        series[stn] = pd.DataFrame({"tm": times, **columns})
    return series, first, days


@hsettings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(gapped_series())
def test_daily_runs_store_the_short_gap_fills_of_one_range_run(
    case: tuple[dict[int, pd.DataFrame], date, int],
) -> None:
    series, first, days = case
    comparison, _, _ = compare_daily_and_range(series, first, days)
    assert comparison.short_rows > 0


# --------------------------------------------------------------------------- the measured case


def measured_case() -> dict[int, pd.DataFrame]:
    """72 smooth hours of ta, 3-hour gap 22:00-00:00 across the first midnight; hm complete."""
    times = pd.date_range("2024-03-01", periods=72, freq="h")
    t = np.arange(72, dtype=float)
    ta = 10.0 + 5.0 * np.sin(2 * np.pi * (t - 18) / 24)
    hm = 60.0 + 10.0 * np.cos(2 * np.pi * t / 24)
    truth = ta.copy()
    ta[22:25] = np.nan
    return {108: pd.DataFrame({"tm": times, "ta": ta, "hm": hm, "truth": truth})}


def test_a_gap_across_midnight_gets_the_range_runs_spline_from_daily_runs(tmp_path: Path) -> None:
    series = measured_case()
    settings = load_settings("test", data_dir=tmp_path / "daily")
    asos = FakeAsos(series)
    first = run_weather(
        settings, date(2024, 3, 1), stations=[108], sources_factory=fake_factory(asos)
    )
    # Day 1 alone: 22:00 and 23:00 are an edge gap, filled with the last observation.
    after_day1 = stored(settings).loc[108]
    assert after_day1["ta_method"].iloc[22:24].tolist() == ["edge", "edge"]
    assert first.filled["ta"] == {"edge": 2} and first.details["revised_fills"] == 0

    second = run_weather(
        settings, date(2024, 3, 2), stations=[108], sources_factory=fake_factory(asos)
    )
    # Day 2 arrives: the two fills of day 1 are revised to the spline through both days.
    assert second.details["revised_fills"] == 2
    assert second.details["revised_by_method"]["ta"] == {"spline": 2}
    assert second.filled["ta"] == {"spline": 1}
    run_weather(settings, date(2024, 3, 3), stations=[108], sources_factory=fake_factory(asos))
    daily = stored(settings).loc[108]

    ranged_settings = load_settings("test", data_dir=tmp_path / "range")
    run_weather(
        ranged_settings,
        date(2024, 3, 1),
        date(2024, 3, 3),
        stations=[108],
        sources_factory=fake_factory(FakeAsos(series)),
    )
    ranged = stored(ranged_settings).loc[108]

    gap = slice(22, 25)
    assert daily["ta_method"].iloc[gap].tolist() == ["spline"] * 3
    assert ranged["ta_method"].iloc[gap].tolist() == ["spline"] * 3
    np.testing.assert_allclose(
        daily["ta"].iloc[gap].to_numpy(), ranged["ta"].iloc[gap].to_numpy(), rtol=1e-9, atol=1e-9
    )
    # And the spline is close to the truth, which the two edge fills were not.
    truth = series[108]["truth"].to_numpy()[gap]
    np.testing.assert_allclose(daily["ta"].iloc[gap].to_numpy(), truth, atol=0.05)
    assert np.abs(after_day1["ta"].iloc[22:24].to_numpy() - truth[:2]).max() > 0.5


# --------------------------------------------------------------------------- fetching


def complete_series(
    days: int = 2, stations: tuple[int, ...] = (108, 112)
) -> dict[int, pd.DataFrame]:
    times = pd.date_range("2024-03-01", periods=24 * days, freq="h")
    t = np.arange(24 * days, dtype=float)
    return {
        stn: pd.DataFrame(
            {"tm": times, "ta": 5 + np.sin(t / 4) + stn / 100, "hm": 60 + np.cos(t / 5)}
        )
        for stn in stations
    }


def test_only_missing_asks_each_station_for_its_incomplete_span_only(tmp_path: Path) -> None:
    settings = load_settings("test", data_dir=tmp_path)
    series = complete_series(days=4)
    asos = FakeAsos(series)
    run_weather(settings, date(2024, 3, 2), stations=[108, 112], sources_factory=fake_factory(asos))
    asos.calls.clear()

    summary = run_weather(
        settings,
        date(2024, 3, 1),
        date(2024, 3, 4),
        stations=[108, 112],
        sources_factory=fake_factory(asos),
    )
    # Day 2 is complete for both stations, but days 1 and 3-4 are not: one span each.
    assert sorted(asos.calls) == [
        (108, date(2024, 3, 1), date(2024, 3, 4)),
        (112, date(2024, 3, 1), date(2024, 3, 4)),
    ]
    assert summary.rows_loaded == 2 * 96

    asos.calls.clear()
    again = run_weather(
        settings,
        date(2024, 3, 1),
        date(2024, 3, 4),
        stations=[108, 112],
        sources_factory=fake_factory(asos),
    )
    assert asos.calls == [] and again.status == "completed" and again.rows_loaded == 0

    forced = run_weather(
        settings,
        date(2024, 3, 3),
        stations=[108],
        only_missing=False,
        sources_factory=fake_factory(asos),
    )
    assert asos.calls == [(108, date(2024, 3, 3), date(2024, 3, 3))] and forced.rows_loaded == 24


def test_only_missing_span_runs_from_first_to_last_incomplete_day(tmp_path: Path) -> None:
    settings = load_settings("test", data_dir=tmp_path)
    series = complete_series(days=5, stations=(108,))
    asos = FakeAsos(series)
    run_weather(
        settings,
        date(2024, 3, 1),
        date(2024, 3, 5),
        stations=[108],
        sources_factory=fake_factory(asos),
    )
    with open_storage(settings) as db:
        w = weather_hourly
        with db.engine.begin() as conn:
            conn.execute(
                w.delete().where(w.c.tm.in_([datetime(2024, 3, 2, 5), datetime(2024, 3, 4, 0)]))
            )
        assert db.weather_incomplete_days([108], date(2024, 3, 1), date(2024, 3, 5)) == {
            108: [date(2024, 3, 2), date(2024, 3, 4)]
        }
    asos.calls.clear()
    summary = run_weather(
        settings,
        date(2024, 3, 1),
        date(2024, 3, 5),
        stations=[108],
        sources_factory=fake_factory(asos),
    )
    assert asos.calls == [(108, date(2024, 3, 2), date(2024, 3, 4))]
    assert summary.rows_fetched == 72
    assert len(stored(settings)) == 120


def test_a_station_without_data_is_reported_and_the_others_load(tmp_path: Path) -> None:
    settings = load_settings("test", data_dir=tmp_path)
    asos = FakeAsos(complete_series(days=1, stations=(108,)))
    summary = run_weather(
        settings, date(2024, 3, 1), stations=[108, 119], sources_factory=fake_factory(asos)
    )
    assert summary.details["stations_without_data"] == [119]
    assert summary.rows_loaded == 24


def test_a_spent_budget_loads_the_other_stations_then_stops_the_caller(tmp_path: Path) -> None:
    settings = load_settings("test", data_dir=tmp_path)
    asos = FakeAsos(complete_series(days=2), over_budget={112})
    with pytest.raises(BudgetExhaustedError):
        run_weather(
            settings,
            date(2024, 3, 1),
            date(2024, 3, 2),
            stations=[108, 112],
            sources_factory=fake_factory(asos),
        )
    back = stored(settings)
    assert back.index.get_level_values("station_id").unique().tolist() == [108]
    assert len(back) == 48
    with open_storage(settings) as db:
        (run,) = db.recent_runs()
        assert run.report["details"]["stations_over_budget"] == [112]
        assert "BudgetExhaustedError" in (run.error or "")
        # The over-budget station is still incomplete: the next run asks it again.
        assert db.weather_incomplete_days([108, 112], date(2024, 3, 1), date(2024, 3, 2)) == {
            112: [date(2024, 3, 1), date(2024, 3, 2)]
        }
