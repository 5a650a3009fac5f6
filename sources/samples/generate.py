"""Write the bundled sample records that the offline portal emulator serves.

Run ``uv run python -m sources.samples.generate`` to rewrite them in place
(or ``--out DIR`` elsewhere). The output is deterministic (seeded, no clock),
and the generated files are committed: the replay only reads them, it never
runs this script. ``tests/sources/test_source_replay.py`` regenerates them in
memory and checks that the committed files are byte-identical.

Layout (indexed by ``manifest.json``): every file is a success answer in its
API's real format, written by the emulator's own serialisers
(:func:`sources.replay.asos_body`, ``wind_body``, ``pv_body``), and the
:class:`sources.replay.Catalog` reads the *records* out of them; the emulator
then answers any range query from those records.

* ``asos/<station>_<YYYYMMDD>.json``: one station-day (24 records), the
  window's 3 days for the 8 configured stations;
* ``wind/<YYYYMM>.json``: one month of every unit;
* ``pv/<YYYYMMDD>.xml``: every sample PV unit of one day;
* ``manifest.json``: the window, the files, and ``pv_next_day_only``: the
  unit-days the API publishes only in answers whose ``strEdate`` is later.

The values are synthetic but plausible (January weather, diurnal cycles,
winter PV curves, wind farm outputs); the *formats* are the real ones
(``tests/fixtures/payloads/real/``, ``docs/portal_apis.md``), including the
irregularities the pipeline must survive:

* ASOS: the 38 fields of a real record, every value a string, ``""`` for
  missing with QC flag ``"9"``; a 5-hour ``ta`` gap at 서울 108 (longer than
  ``max_spline_gap`` = 3), short gaps elsewhere, two of them across midnight,
  and an edge gap at the end of the window (부산 159).
* Namdong wind: the five real units (영흥풍력 1 and 2, 군위 화산풍력 1,
  삼천포풍력 1, 어음풍력 1); ``dgenYmd`` as ``YYYYMMDD`` before the 20th and
  ``YYYY-MM-DD`` from then on; generation as numbers, numeric strings,
  ``null`` and ``""``. The plant codes (``ippt``) are not published anywhere:
  the pipeline reads real codes from the answers. The codes here (9997
  영흥풍력, 9995 군위 화산풍력, 9996 삼천포풍력, 9994 어음풍력) are those of
  the product owner's reconstructed real-format files, not official codes.
* Nambu PV: real plant codes, units and names (``nambu_pv_units.csv``);
  header ``800``, ``totalCnt``, ``ymd`` as ``YYYY-MM-DD``; a missing hour as an
  empty element and one as an absent element; one unit-day published only
  with the next day.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sources.replay import (
    PvRecord,
    asos_body,
    iter_days,
    pv_body,
    pv_fields,
    wind_body,
    wind_record,
)

SEED = 20240131
SAMPLES_DIR = Path(__file__).resolve().parent
PV_UNITS_CSV = SAMPLES_DIR.parents[1] / "pipeline" / "reference" / "nambu_pv_units.csv"

WINDOW_START = date(2024, 1, 29)
WINDOW_END = date(2024, 1, 31)
WIND_START = date(2024, 1, 1)
WIND_END = date(2024, 1, 31)

#: PipelineSettings.asos_station_ids and their names (the KMA ASOS station list),
#: with a January mean temperature (°C) to centre each station's series.
ASOS_STATIONS: tuple[tuple[int, str, float], ...] = (
    (108, "서울", -2.4),
    (112, "인천", -1.5),
    (119, "수원", -2.7),
    (133, "대전", -1.0),
    (143, "대구", 0.6),
    (152, "울산", 1.6),
    (156, "광주", 0.6),
    (159, "부산", 3.2),
)


def _hours(first: str, count: int) -> tuple[datetime, ...]:
    start = datetime.fromisoformat(first)
    return tuple(start + timedelta(hours=n) for n in range(count))


#: (station, field) -> hours whose value is missing.
ASOS_MISSING: dict[tuple[int, str], tuple[datetime, ...]] = {
    (108, "ta"): _hours("2024-01-30T10:00", 5),  # 5 h: longer than the spline gap
    (108, "hm"): _hours("2024-01-30T03:00", 1),
    (112, "ta"): _hours("2024-01-29T06:00", 2),
    (143, "ta"): _hours("2024-01-29T23:00", 3),  # across midnight
    (156, "hm"): _hours("2024-01-30T23:00", 2),  # across midnight
    (133, "hm"): _hours("2024-01-31T17:00", 2),
    (152, "ta"): _hours("2024-01-29T20:00", 1),
    (159, "ta"): _hours("2024-01-31T22:00", 2),  # edge gap at the end of the window
    (159, "hm"): _hours("2024-01-31T23:00", 1),
}

#: (ippt, hogi, name, capacity kW): the real units; codes as in the reconstructed files.
WIND_UNITS: tuple[tuple[str, int, str, float], ...] = (
    ("9997", 1, "영흥풍력", 22000.0),
    ("9997", 2, "영흥풍력", 24000.0),
    ("9995", 1, "군위 화산풍력", 16800.0),
    ("9996", 1, "삼천포풍력", 4600.0),
    ("9994", 1, "어음풍력", 20000.0),
)
#: First day whose dgenYmd is written YYYY-MM-DD.
WIND_DASHED_FROM = date(2024, 1, 20)

#: The PV units of the samples: real (gencd, hogi) pairs of nambu_pv_units.csv.
PV_UNITS: tuple[tuple[str, int], ...] = (
    ("5707", 1),
    ("997H", 2),
    ("997J", 3),
    ("997S", 1),
    ("9989", 1),
    ("AC39", 1),
    ("B997", 1),
    ("B997", 2),
    ("H997", 3),
    ("S997", 2),
)
#: (gencd, hogi, day) -> hour label (1-24) whose value is missing, and how.
PV_MISSING: dict[tuple[str, int, date], tuple[int, str]] = {
    ("B997", 1, date(2024, 1, 30)): (13, "empty"),
    ("997J", 3, date(2024, 1, 31)): (12, "absent"),
    ("9989", 1, date(2024, 1, 29)): (11, "empty"),
}
#: Unit-days the API publishes only when asked with strEdate after them.
PV_NEXT_DAY_ONLY = frozenset({("H997", 3, date(2024, 1, 30))})


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _fmt(value: float, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    return "0.0" if text in ("-0.0", "-0") else text


def pv_unit_names(path: Path = PV_UNITS_CSV) -> dict[tuple[str, int], str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {(row["gencd"], int(row["hogi"])): row["plant_name"] for row in csv.DictReader(fh)}


# -- ASOS ----------------------------------------------------------------------


def asos_day(
    rng: random.Random, stn: int, name: str, mean_ta: float, day: date
) -> list[dict[str, str]]:
    """One day (24 hourly records) of one station, with the real 38-field record's keys."""
    items = []
    day_shift = rng.uniform(-3.0, 3.0)
    base_pa = rng.uniform(1018.0, 1030.0)
    for hour in range(24):
        at = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
        # Coldest near 06:00, warmest near 15:00.
        diurnal = -math.cos((hour - 3) / 24 * 2 * math.pi) * 3.5
        ta = mean_ta + day_shift + diurnal + rng.gauss(0, 0.4)
        hm = min(98.0, max(18.0, 62.0 - diurnal * 5.0 + rng.gauss(0, 4.0)))
        # Magnus formula: dew point and vapour pressure from ta and hm.
        gamma = math.log(hm / 100.0) + 17.62 * ta / (243.12 + ta)
        td = 243.12 * gamma / (17.62 - gamma)
        pv = 6.112 * math.exp(17.62 * td / (243.12 + td))
        pa = base_pa + rng.gauss(0, 0.6)
        daylight = 8 <= hour <= 17
        missing = {f for f in ("ta", "hm") if at in ASOS_MISSING.get((stn, f), ())}
        items.append(
            {
                "tm": f"{at:%Y-%m-%d %H:%M}",
                "rnum": str(hour + 1),
                "stnId": str(stn),
                "stnNm": name,
                "ta": "" if "ta" in missing else _fmt(ta),
                "taQcflg": "9" if "ta" in missing else "",
                "rn": "",
                "rnQcflg": "9",
                "ws": _fmt(max(0.0, rng.gauss(2.4, 1.1))),
                "wsQcflg": "",
                "wd": str(rng.choice(range(0, 361, 20))),
                "wdQcflg": "",
                "hm": "" if "hm" in missing else str(round(hm)),
                "hmQcflg": "9" if "hm" in missing else "",
                "pv": "" if missing else _fmt(pv),
                "td": "" if missing else _fmt(td),
                "pa": _fmt(pa),
                "paQcflg": "",
                "ps": _fmt(pa + 10.4),
                "psQcflg": "",
                "ss": _fmt(rng.uniform(0.3, 1.0)) if daylight else "",
                "ssQcflg": "" if daylight else "9",
                "icsr": _fmt(rng.uniform(0.2, 1.6), 2) if daylight and hour > 8 else "",
                "dsnw": "",
                "hr3Fhsc": "",
                "dc10Tca": str(rng.choice((0, 0, 2, 5, 8))),
                "dc10LmcsCa": str(rng.choice((0, 0, 1, 3))),
                "clfmAbbrCd": "",
                "lcsCh": "",
                "vs": str(rng.choice(range(1500, 5001, 100))),
                "gndSttCd": "",
                "dmstMtphNo": "",
                "ts": _fmt(ta - 1.0 + rng.gauss(0, 0.5)),
                "tsQcflg": "",
                "m005Te": _fmt(mean_ta + 1.2),
                "m01Te": _fmt(mean_ta + 2.0),
                "m02Te": _fmt(mean_ta + 3.4),
                "m03Te": _fmt(mean_ta + 5.1),
            }
        )
    return items


# -- Namdong wind -----------------------------------------------------------------


def wind_records(rng: random.Random) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for day in iter_days(WIND_START, WIND_END):
        # One weather regime per day drives all units.
        regime = rng.uniform(0.05, 0.75)
        for code, hogi, name, capacity in WIND_UNITS:
            level = regime
            hours: list[Any] = []
            for _ in range(24):
                # Mean-reverting around the day's regime: gusty but not a random walk to 0.
                level = min(0.98, max(0.0, 0.8 * level + 0.2 * regime + rng.gauss(0, 0.06)))
                hours.append(round(capacity * level, 3))
            dashed = day >= WIND_DASHED_FROM
            records.append(wind_record(day, code, hogi, name, hours, dashed=dashed))
    # Irregularities seen in the API's answers.
    records[4]["qhorGen07"] = str(records[4]["qhorGen07"])  # a numeric string
    records[17]["qhorGen15"] = None
    records[17]["qhorGen16"] = None
    records[118]["qhorGen03"] = ""
    records[121]["qhorGen22"] = str(records[121]["qhorGen22"])
    return records


# -- Nambu PV -----------------------------------------------------------------------


def pv_record(
    rng: random.Random, gencd: str, hogi: int, name: str, capacity: float, day: date
) -> PvRecord:
    clearness = rng.uniform(0.25, 0.95)
    hours: list[str | None] = []
    for label in range(1, 25):
        # Label N covers [N-1, N); January daylight is roughly 07:30-17:40.
        mid = label - 0.5
        sun = math.sin((mid - 7.5) / 10.2 * math.pi) if 7.5 < mid < 17.7 else 0.0
        value = capacity * 0.72 * clearness * max(0.0, sun) ** 1.3 * rng.uniform(0.85, 1.05)
        hours.append(f"{round(value, 1):g}" if value >= 0.05 else "0")
    missing = PV_MISSING.get((gencd, hogi, day))
    if missing is not None:
        hours[missing[0] - 1] = "" if missing[1] == "empty" else None
    late = (gencd, hogi, day) in PV_NEXT_DAY_ONLY
    return PvRecord(day, gencd, hogi, pv_fields(day, gencd, hogi, name, hours), late)


# -- writing -----------------------------------------------------------------------------


def generate() -> dict[str, bytes]:
    """All sample files (relative path -> bytes), ``manifest.json`` included."""
    rng = random.Random(SEED)
    files: dict[str, bytes] = {}
    manifest: dict[str, Any] = {
        "generator": "sources/samples/generate.py",
        "seed": SEED,
        "window": {"start": WINDOW_START.isoformat(), "end": WINDOW_END.isoformat()},
        "note": (
            "Synthetic records in the APIs' real formats. Wind plant codes (ippt) are not "
            "published: the pipeline reads them from the answers; these are the codes of the "
            "reconstructed real-format files."
        ),
    }

    asos_entries = []
    for stn, name, mean_ta in ASOS_STATIONS:
        for day in iter_days(WINDOW_START, WINDOW_END):
            path = f"asos/{stn}_{ymd(day)}.json"
            items = asos_day(rng, stn, name, mean_ta, day)
            files[path] = asos_body(items, page_no=1, num_of_rows=999, total=len(items))
            asos_entries.append({"station": stn, "day": day.isoformat(), "file": path})
    manifest["asos"] = asos_entries

    wind_path = f"wind/{WIND_START:%Y%m}.json"
    files[wind_path] = wind_body(wind_records(rng))
    manifest["wind"] = [
        {"start": WIND_START.isoformat(), "end": WIND_END.isoformat(), "file": wind_path}
    ]

    names = pv_unit_names()
    unknown = [unit for unit in PV_UNITS if unit not in names]
    if unknown:
        raise SystemExit(f"PV units not in {PV_UNITS_CSV}: {unknown}")
    capacities = {unit: rng.choice((98.0, 250.0, 499.0, 1000.0, 1500.0)) for unit in PV_UNITS}
    pv_entries = []
    for day in iter_days(WINDOW_START, WINDOW_END):
        records = [
            pv_record(rng, gencd, hogi, names[(gencd, hogi)], capacities[(gencd, hogi)], day)
            for gencd, hogi in sorted(PV_UNITS)
        ]
        path = f"pv/{ymd(day)}.xml"
        files[path] = pv_body(records, page_no=1, num_of_rows=100, total=len(records))
        pv_entries.append({"day": day.isoformat(), "file": path})
    manifest["pv"] = pv_entries
    manifest["pv_next_day_only"] = [
        {"gencd": g, "hogi": h, "day": d.isoformat()} for g, h, d in sorted(PV_NEXT_DAY_ONLY)
    ]

    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    return files


def write(out: Path) -> list[Path]:
    written = []
    for rel, data in sorted(generate().items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR, help="output directory")
    args = parser.parse_args(argv)
    written = write(args.out)
    size = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {size / 1024:.1f} KiB, to {args.out}")


if __name__ == "__main__":
    main()
