"""A rerun while the portal serves blanks changes nothing that was observed.

The probe's case: after a clean load, the same days fetched again (every day,
as ``--all-days`` does) from a portal that now answers with empty values.
Before the observation rule, weather observations became fills and every wind
and PV value became NULL, all with result code 00.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.pv import run_pv
from pipeline.summary import FlowSummary
from pipeline.weather import run_weather
from pipeline.wind import run_wind
from registry import Settings, load_settings
from sources.replay import Answer, Catalog, PortalEmulator, PortalServer
from storage.facade import open_storage
from storage.schema import wind_generation_hourly

WINDOW = (date(2024, 1, 29), date(2024, 1, 31))
TABLES = ("weather_hourly", "wind_generation_hourly", "pv_generation_hourly")


class BlankingPortal(PortalEmulator):
    """The samples' portal; with ``blank`` set, every value in its answers is empty."""

    def __init__(self) -> None:
        base = Catalog.load().emulator()
        super().__init__(asos=base.asos, pv=base.pv, wind=base.wind)
        self.blank = False

    def answer(self, path: str, params: Mapping[str, str]) -> Answer:
        answer = super().answer(path, params)
        if not self.blank or answer.status != 200:
            return answer
        return Answer(answer.status, answer.content_type, _blanked(answer.body))


def _blanked(body: bytes) -> bytes:
    text = body.decode("utf-8")
    if text.lstrip().startswith("<"):
        return re.sub(r"<(qhorgen\d\d)>[^<]*</\1>", r"<\1/>", text).encode("utf-8")
    doc = json.loads(text)
    for response in doc.values():
        content = response.get("body", {})
        items = content.get("content") or (content.get("items") or {}).get("item") or []
        for record in items if isinstance(items, list) else [items]:
            for field in list(record):
                if field in ("ta", "hm"):
                    record[field] = ""
                elif field.startswith("qhorGen"):
                    record[field] = None
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def portal() -> Iterator[tuple[BlankingPortal, PortalServer]]:
    emulator = BlankingPortal()
    with PortalServer(emulator) as server:
        yield emulator, server


def digests(settings: Settings) -> dict[str, str]:
    with open_storage(settings) as db:
        return {table: db.table_digest(table) for table in TABLES}


def observed_wind_values(settings: Settings) -> int:
    with open_storage(settings) as db, db.engine.connect() as conn:
        t = wind_generation_hourly
        return conn.execute(select(func.count()).where(t.c.generation.is_not(None))).scalar_one()


def load_all(settings: Settings, *, only_missing: bool) -> dict[str, FlowSummary]:
    return {
        "weather": run_weather(settings, *WINDOW, only_missing=only_missing),
        "wind": run_wind(settings, WINDOW[0], only_missing=only_missing),
        "pv": run_pv(settings, *WINDOW, units=Catalog.load().pv_units, only_missing=only_missing),
    }


def test_blank_answers_on_a_rerun_leave_every_observation(
    portal: tuple[BlankingPortal, PortalServer], data_dir: Path
) -> None:
    emulator, server = portal
    settings = load_settings(
        "test",
        data_dir=data_dir,
        sources={"mode": "live", "base_url": server.base_url, "service_key": "local-test-key"},
    )
    first = load_all(settings, only_missing=True)
    before = digests(settings)

    emulator.blank = True
    again = load_all(settings, only_missing=False)

    assert digests(settings) == before
    with open_storage(settings) as db:
        assert db.counts()["observation_revisions"] == 0
    # Wind and PV: every blank value met a stored observation and left it.
    assert again["wind"].details["observations_kept"] == observed_wind_values(settings) > 0
    assert again["pv"].details["observations_kept"] > 0
    # Weather: the stored observations stand in for the blanks in T2's input,
    # so the rerun computes exactly the first run's fills, not fills over
    # what was observed.
    assert again["weather"].filled == first["weather"].filled
    assert again["weather"].details["revised_fills"] == 0
