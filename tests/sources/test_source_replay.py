"""The offline replay: bundled samples, their promised irregularities, and the transforms reading them."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from plugins.python_backend.payloads import load_json_response, load_xml_response
from registry.settings import PipelineSettings, Settings, SourceSettings
from sources import NoDataError, SourceError, open_sources
from sources.pv_xml import item_elements
from sources.replay import DEFAULT_SAMPLES_DIR, Catalog
from sources.samples import generate

WINDOW = (date(2024, 1, 29), date(2024, 1, 31))
DAYS = [WINDOW[0] + timedelta(days=i) for i in range(3)]


def replay(fn: Any, settings: Any = None) -> Any:
    async def main() -> Any:
        async with open_sources(settings or SourceSettings()) as src:
            return await fn(src)

    return asyncio.run(main())


def asos_items(body: bytes) -> list[dict[str, str]]:
    return load_json_response(body, source="asos")["body"]["items"]["item"]


def wind_records(body: bytes) -> list[dict[str, Any]]:
    return load_json_response(body, source="wind")["body"]["content"]


# -- the committed samples ----------------------------------------------------------------


def test_committed_samples_are_exactly_what_the_generator_writes():
    generated = generate.generate()
    on_disk = {
        str(p.relative_to(DEFAULT_SAMPLES_DIR)): p.read_bytes()
        for p in DEFAULT_SAMPLES_DIR.rglob("*")
        if p.is_file() and p.suffix in (".json", ".xml")
    }
    assert on_disk.keys() == generated.keys()
    changed = [name for name, data in generated.items() if on_disk[name] != data]
    assert changed == [], "run `uv run python -m sources.samples.generate` and commit the result"


def test_samples_stay_small():
    size = sum(len(b) for b in generate.generate().values())
    assert size < 450 * 1024


def test_samples_hold_no_secret_looking_text():
    for data in generate.generate().values():
        text = data.decode("utf-8").lower()
        assert "servicekey" not in text and "hooks.slack.com" not in text


# -- replay behaviour -----------------------------------------------------------------------


def test_default_mode_is_replay_with_a_window():
    async def fn(src: Any) -> Any:
        return src.mode, src.sample_window(), src.client

    assert replay(fn, Settings()) == ("replay", WINDOW, None)


def test_asos_covers_the_default_stations_for_every_window_day():
    stations = PipelineSettings().asos_station_ids

    async def fn(src: Any) -> dict[tuple[int, date], list[bytes]]:
        return {(s, d): await src.asos.fetch(s, d) for s in stations for d in DAYS}

    pages = replay(fn)

    for (stn, day), bodies in pages.items():
        items = asos_items(bodies[0])
        assert len(bodies) == 1 and len(items) == 24
        assert {i["stnId"] for i in items} == {str(stn)}
        assert items[0]["tm"] == f"{day:%Y-%m-%d} 00:00" and items[-1]["tm"] == f"{day:%Y-%m-%d} 23:00"


def test_asos_has_empty_values_and_a_gap_longer_than_three_hours():
    async def fn(src: Any) -> list[bytes]:
        return await src.asos.fetch_range(108, *WINDOW)

    items = [i for body in replay(fn) for i in asos_items(body)]
    assert len(items) == 72
    longest = run = 0
    for item in items:
        run = run + 1 if item["ta"] == "" else 0
        longest = max(longest, run)
    assert longest > 3
    assert any(i["hm"] == "" for i in items)


def test_asos_outside_the_samples_is_no_data():
    async def fn(src: Any) -> Any:
        return await src.asos.fetch(108, date(2023, 12, 31))

    with pytest.raises(NoDataError):
        replay(fn)


def test_wind_month_is_served_verbatim_over_several_pages():
    catalog = Catalog.load()

    async def fn(src: Any) -> list[bytes]:
        return await src.wind.fetch(date(2024, 1, 1), date(2024, 1, 31))

    pages = replay(fn)

    assert pages == [catalog.read(rel) for rel in catalog.wind[0].files]
    assert len(pages) >= 3
    assert any(json.loads(p).keys() == {"reponse"} for p in pages)
    dates = {r["dgenYmd"] for p in pages for r in wind_records(p)}
    assert any("-" in d for d in dates) and any("-" not in d for d in dates)
    names = {(r["ipptNam"], r["hogi"]) for p in pages for r in wind_records(p)}
    assert names == {("영흥풍력", 1), ("영흥풍력", 2), ("화순풍력", 1)}


def test_wind_sub_range_keeps_only_its_records():
    async def fn(src: Any) -> list[bytes]:
        return await src.wind.fetch(*WINDOW)

    records = [r for p in replay(fn) for r in wind_records(p)]

    assert {r["dgenYmd"] for r in records} == {"2024-01-29", "2024-01-30", "2024-01-31"}
    assert len(records) == 9


def test_wind_outside_the_samples_is_no_data():
    async def fn(src: Any) -> Any:
        return await src.wind.fetch(date(2024, 2, 1), date(2024, 2, 29))

    with pytest.raises(NoDataError):
        replay(fn)


def test_pv_has_both_shapes_a_missing_hour_and_the_next_day_quirk():
    catalog = Catalog.load()

    async def fn(src: Any) -> dict[tuple[str, int, date], bytes]:
        return {key: await src.pv.fetch_day(*key) for key in catalog.pv}

    bodies = replay(fn)

    assert len(bodies) >= 20
    shapes = set()
    for (gencd, hogi, day), body in bodies.items():
        root = load_xml_response(body, source="pv")
        items = item_elements(root)
        assert [(i.findtext("gencd"), i.findtext("hogi"), i.findtext("ymd")) for i in items] == [
            (gencd, str(hogi), f"{day:%Y%m%d}")
        ]
        shapes.add("B" if root.find(".//items/item") is None else "A")
        if catalog.pv[(gencd, hogi, day)].asked_end != day:
            assert body != catalog.read(catalog.pv[(gencd, hogi, day)].file)  # filtered
    assert shapes == {"A", "B"}
    hours = [
        sum(1 for child in item if child.tag.startswith("qhorgen") and (child.text or "").strip())
        for body in bodies.values()
        for item in item_elements(load_xml_response(body, source="pv"))
    ]
    assert min(hours) == 23 and max(hours) == 24


def test_pv_unit_not_recorded_is_no_data():
    async def fn(src: Any) -> Any:
        return await src.pv.fetch_day("8760", 1, WINDOW[0])

    with pytest.raises(NoDataError):
        replay(fn)


def test_missing_samples_dir_is_a_clear_error(tmp_path: Path):
    with pytest.raises(SourceError, match="sources.samples.generate"):
        open_sources(SourceSettings(samples_dir=tmp_path))


# -- the samples through the real transforms (every installed backend) ----------------------


def _all_bodies() -> dict[str, list[bytes]]:
    catalog = Catalog.load()

    async def fn(src: Any) -> dict[str, list[bytes]]:
        return {
            "asos": [b for stn in catalog.asos_stations for b in await src.asos.fetch_range(stn, *WINDOW)],
            "wind": await src.wind.fetch(date(2024, 1, 1), date(2024, 1, 31)),
            "pv": [await src.pv.fetch_day(*key) for key in sorted(catalog.pv)],
        }

    return replay(fn)


def test_samples_parse_with_every_backend(call_transform):
    bodies = _all_bodies()

    asos_rows = sum(call_transform("asos_to_frame", b, ["ta", "hm"]).rows for b in bodies["asos"])
    wind_rows = sum(call_transform("wind_to_long", b, "end").rows for b in bodies["wind"])
    pv_out = [call_transform("pv_to_long", b) for b in bodies["pv"]]

    assert asos_rows == 8 * 72
    assert wind_rows == 93 * 24
    assert sum(o.rows for o in pv_out) == 24 * len(bodies["pv"])
    assert all(o.report.get("dropped_invalid", 0) == 0 for o in pv_out)
    assert sum(int(o.frame["generation"].isna().sum()) for o in pv_out) == 3  # the missing hours
