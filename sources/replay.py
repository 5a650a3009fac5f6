"""Offline sources: the bundled sample payloads, behind the live sources' interface.

``settings.sources.mode == "replay"`` (the default) serves the files under
``sources/samples/`` (or ``settings.sources.samples_dir``), indexed by their
``manifest.json``. The bodies are the recorded bytes, so they go through the
same transforms as live answers. What the replay does, request by request:

* ASOS ``fetch(station, day)``: the recorded page of that station and day;
  ``fetch_range``: the recorded day pages inside the range, in date order.
* Wind ``fetch(start, end)``: the recorded pages of a recording that lies
  wholly inside ``[start, end]`` are returned byte for byte; for a recording
  that only overlaps, each page is reduced to its records dated inside the
  range (the page's other keys, ``reponse`` spelling included, are kept) and
  pages left empty are dropped — what the API would send for that range.
* PV ``fetch_day(gencd, hogi, day)``: the recorded body; a day recorded with
  ``strEdate`` = day + 1 is filtered by :func:`sources.pv_xml.keep_day`, the
  very function the live source uses for the quirk.

Anything not recorded raises :class:`NoDataError`, as the API's code 03
would. :meth:`Catalog.window` gives the dates every source has, so a flow can
run offline on them. The replay never generates data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from plugins.python_backend.payloads import RESPONSE_KEYS
from sources.base import ASOS, PV, WIND, ymd
from sources.errors import NoDataError, SourceError
from sources.pv_xml import keep_day

DEFAULT_SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class WindRecording:
    start: date
    end: date
    files: tuple[str, ...]


@dataclass(frozen=True)
class PvRecording:
    file: str
    #: The ``strEdate`` the recorded answer was fetched with.
    asked_end: date


@dataclass(frozen=True)
class Catalog:
    """What the bundled samples hold (read from ``manifest.json``)."""

    root: Path
    window: tuple[date, date]
    asos: dict[tuple[int, date], str]
    wind: tuple[WindRecording, ...]
    pv: dict[tuple[str, int, date], PvRecording]

    @classmethod
    def load(cls, root: Path | None = None) -> Catalog:
        root = Path(root) if root is not None else DEFAULT_SAMPLES_DIR
        path = root / MANIFEST
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            window = (date.fromisoformat(doc["window"]["start"]), date.fromisoformat(doc["window"]["end"]))
            asos = {(int(e["station"]), date.fromisoformat(e["day"])): e["file"] for e in doc["asos"]}
            wind = tuple(
                WindRecording(date.fromisoformat(e["start"]), date.fromisoformat(e["end"]), tuple(e["files"]))
                for e in doc["wind"]
            )
            pv = {
                (str(e["gencd"]), int(e["hogi"]), date.fromisoformat(e["day"])): PvRecording(
                    e["file"], date.fromisoformat(e["asked_end"])
                )
                for e in doc["pv"]
            }
        except FileNotFoundError:
            raise SourceError(
                f"replay: no {MANIFEST} in {root}; point sources.samples_dir at the sample "
                "payloads or regenerate them with `uv run python -m sources.samples.generate`"
            ) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"replay: {path} is not a valid sample manifest: {exc!r}") from None
        return cls(root=root, window=window, asos=asos, wind=wind, pv=pv)

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    @property
    def asos_stations(self) -> list[int]:
        return sorted({stn for stn, _ in self.asos})

    @property
    def pv_units(self) -> list[tuple[str, int]]:
        return sorted({(g, h) for g, h, _ in self.pv})


class ReplayAsosSource:
    """ASOS pages from the samples."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def fetch(self, station_id: int, day: date) -> list[bytes]:
        rel = self.catalog.asos.get((station_id, day))
        if rel is None:
            raise NoDataError("03", f"replay has no sample for station {station_id} on {day}", source=ASOS)
        return [self.catalog.read(rel)]

    async def fetch_range(self, station_id: int, start: date, end: date) -> list[bytes]:
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        wanted = sorted(d for stn, d in self.catalog.asos if stn == station_id and start <= d <= end)
        if not wanted:
            raise NoDataError(
                "03", f"replay has no sample for station {station_id} in {start}..{end}", source=ASOS
            )
        return [self.catalog.read(self.catalog.asos[(station_id, d)]) for d in wanted]


def _record_day(record: Any) -> str:
    return str(record.get("dgenYmd", "")).replace("-", "") if isinstance(record, dict) else ""


def _filter_wind_page(body: bytes, lo: str, hi: str) -> bytes | None:
    """The page with only the records dated in [lo, hi] (``YYYYMMDD``); ``None`` if none remain."""
    doc = json.loads(body)
    key = next(k for k in RESPONSE_KEYS if isinstance(doc.get(k), dict))
    content = doc[key]["body"]["content"]
    kept = [r for r in content if lo <= _record_day(r) <= hi]
    if not kept:
        return None
    doc[key]["body"]["content"] = kept
    if "numberOfElements" in doc[key]["body"]:
        doc[key]["body"]["numberOfElements"] = len(kept)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ReplayWindSource:
    """Wind pages from the samples."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def fetch(self, start: date, end: date) -> list[bytes]:
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        pages: list[bytes] = []
        for rec in sorted(self.catalog.wind, key=lambda r: r.start):
            if rec.end < start or rec.start > end:
                continue
            inside = start <= rec.start and rec.end <= end
            for rel in rec.files:
                body = self.catalog.read(rel)
                if not inside:
                    body = _filter_wind_page(body, ymd(start), ymd(end))
                if body is not None:
                    pages.append(body)
        if not pages:
            raise NoDataError("03", f"replay has no wind records in {start}..{end}", source=WIND)
        return pages


class ReplayPvSource:
    """PV day bodies from the samples."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def fetch_day(self, gencd: str, hogi: int, day: date) -> bytes:
        rec = self.catalog.pv.get((gencd, hogi, day))
        if rec is None:
            raise NoDataError("03", f"replay has no sample for plant {gencd} unit {hogi} on {day}", source=PV)
        body = self.catalog.read(rec.file)
        if rec.asked_end == day:
            return body
        filtered, kept = keep_day(body, day, what=f"replay {rec.file}")
        if not kept:
            raise NoDataError("03", f"replay sample {rec.file} has no items for {day}", source=PV)
        return filtered
