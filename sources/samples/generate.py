"""Write the bundled sample payloads that the replay sources serve offline.

Run ``uv run python -m sources.samples.generate`` to rewrite them in place
(or ``--out DIR`` elsewhere). The output is deterministic (seeded, no clock),
and the generated files are committed: the replay only reads them, it never
runs this script. ``tests/sources`` regenerates into a temporary directory and
checks that the committed files are byte-identical.

The values are synthetic but plausible (January weather, diurnal cycles,
winter PV curves, wind farm outputs); the *shapes* follow the APIs as
sources.md and transforms.md describe them, including the irregularities the
pipeline must survive:

* ASOS: every value a string, ``""`` for missing, QC flag ``"9"`` on missing
  values; a 5-hour ``ta`` gap (longer than ``max_spline_gap`` = 3) at 서울,
  short gaps elsewhere, an edge gap at the end of the window.
* Namdong wind: one month in pages of 40 (so it spans several pages), the
  second page under the misspelt top-level key ``reponse``, ``dgenYmd`` as
  ``YYYYMMDD`` before the 20th and ``YYYY-MM-DD`` from then on, generation as
  numbers, numeric strings, ``null`` and ``""``. The plant codes are
  placeholders.
* Nambu PV: both XML shapes (``<items><item>`` and one record directly under
  ``<items>``), a missing hour written as an empty element and one as an
  absent element, and one day recorded with ``strEdate`` = day + 1 (two
  days' items in one answer; the replay keeps the asked day).
"""

from __future__ import annotations

import argparse
import json
import math
import random
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

SEED = 20240131
SAMPLES_DIR = Path(__file__).resolve().parent

WINDOW_START = date(2024, 1, 29)
WINDOW_END = date(2024, 1, 31)
WIND_START = date(2024, 1, 1)
WIND_END = date(2024, 1, 31)
WIND_PAGE_SIZE = 40

#: PipelineSettings.asos_station_ids and their names (reference-data/asos_stations.csv),
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
#: (station, day, field) -> hours (0-23) whose value is missing.
ASOS_MISSING: dict[tuple[int, date, str], tuple[int, ...]] = {
    (108, date(2024, 1, 30), "ta"): (10, 11, 12, 13, 14),  # 5 h: longer than the spline gap
    (108, date(2024, 1, 30), "hm"): (3,),
    (112, date(2024, 1, 29), "ta"): (6, 7),
    (133, date(2024, 1, 31), "hm"): (17, 18),
    (152, date(2024, 1, 29), "ta"): (20,),
    (159, date(2024, 1, 31), "ta"): (22, 23),  # edge gap at the end of the window
    (159, date(2024, 1, 31), "hm"): (23,),
}

#: (plant code, unit, name, capacity kW). Codes are placeholders (as in tests/fixtures/payloads).
WIND_UNITS: tuple[tuple[str, int, str, float], ...] = (
    ("YHWP", 1, "영흥풍력", 22000.0),
    ("YHWP", 2, "영흥풍력", 24000.0),
    ("HSWP", 1, "화순풍력", 16000.0),
)
WIND_RESPONSE_KEY_BY_PAGE = {2: "reponse"}
#: First day whose dgenYmd is written YYYY-MM-DD.
WIND_DASHED_FROM = date(2024, 1, 20)

#: (gencd, hogi) -> plant name recorded for PV: a subset of
#: shared/reference-data/nambu_pv_units.csv, names copied from it.
PV_UNITS: dict[tuple[str, int], str] = {
    ("5707", 1): "한국남부발전(주)_화촌주민참여형 태양광발전실적",
    ("997H", 2): "한국남부발전(주)_하동변전소 태양광발전실적",
    ("997J", 3): "한국남부발전(주)_하동보건소 태양광발전실적",
    ("9989", 1): "한국남부발전(주)_신인천 1,2단계 주차장 태양광발전실적",
    ("AC39", 1): "한국남부발전(주)_용수리 태양광발전실적",
    ("B997", 1): "한국남부발전(주)_부산본부 태양광발전실적",
    ("B997", 2): "한국남부발전(주)_부산본부 태양광발전실적",
    ("H997", 1): "한국남부발전(주)_하동본부 태양광발전실적",
    ("H997", 3): "한국남부발전(주)_하동본부 태양광발전실적",
    ("S997", 2): "한국남부발전(주)_삼척소내 태양광발전실적",
}
#: Units whose one-record answers use shape B (fields directly under <items>).
PV_SHAPE_B = {("9989", 1), ("H997", 1), ("S997", 2)}
#: (gencd, hogi, day) -> hour label (1-24) whose value is missing, and how.
PV_MISSING: dict[tuple[str, int, date], tuple[int, str]] = {
    ("B997", 1, date(2024, 1, 30)): (13, "empty"),
    ("997J", 3, date(2024, 1, 31)): (12, "absent"),
    ("9989", 1, date(2024, 1, 29)): (11, "empty"),
}
#: Days recorded with strEdate = day + 1 (the API answered only that way).
PV_NEXT_DAY = {("H997", 3, date(2024, 1, 30))}

def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _json_bytes(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- ASOS ----------------------------------------------------------------------


def _fmt(value: float, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    return "0.0" if text in ("-0.0", "-0") else text


def asos_day(rng: random.Random, stn: int, name: str, mean_ta: float, day: date) -> bytes:
    """One day (24 hourly items) of one station, as the API's JSON body."""
    items = []
    day_shift = rng.uniform(-3.0, 3.0)
    base_pa = rng.uniform(1018.0, 1030.0)
    for hour in range(24):
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
        missing = {f for f in ("ta", "hm") if hour in ASOS_MISSING.get((stn, day, f), ())}
        item = {
            "tm": f"{day:%Y-%m-%d} {hour:02d}:00",
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
        items.append(item)
    doc = {
        "response": {
            "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
            "body": {
                "dataType": "JSON",
                "items": {"item": items},
                "pageNo": 1,
                "numOfRows": 999,
                "totalCount": len(items),
            },
        }
    }
    return _json_bytes(doc)


# -- Namdong wind -----------------------------------------------------------------


def wind_records(rng: random.Random) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for day in days(WIND_START, WIND_END):
        # One weather regime per day drives all three units.
        regime = rng.uniform(0.05, 0.75)
        dashed = day >= WIND_DASHED_FROM
        for code, hogi, name, capacity in WIND_UNITS:
            record: dict[str, object] = {
                "dgenYmd": f"{day:%Y-%m-%d}" if dashed else ymd(day),
                "ippt": code,
                "hogi": hogi,
                "ipptNam": name,
            }
            level = regime
            for label in range(1, 25):
                # Mean-reverting around the day's regime: gusty but not a random walk to 0.
                level = min(0.98, max(0.0, 0.8 * level + 0.2 * regime + rng.gauss(0, 0.06)))
                value = round(capacity * level, 3)
                record[f"qhorGen{label:02d}"] = value
            records.append(record)
    # Irregularities seen in the API's answers.
    records[4]["qhorGen07"] = str(records[4]["qhorGen07"])  # a numeric string
    records[17]["qhorGen15"] = None
    records[17]["qhorGen16"] = None
    records[58]["qhorGen03"] = ""
    records[61]["qhorGen22"] = str(records[61]["qhorGen22"])
    return records


def wind_pages(records: list[dict[str, object]]) -> list[bytes]:
    pages = []
    for start in range(0, len(records), WIND_PAGE_SIZE):
        number = start // WIND_PAGE_SIZE + 1
        content = records[start : start + WIND_PAGE_SIZE]
        key = WIND_RESPONSE_KEY_BY_PAGE.get(number, "response")
        doc = {
            key: {
                "header": {"resultCode": "00", "resultMsg": "NORMAL SERVICE."},
                "body": {
                    "content": content,
                    "page": number,
                    "size": WIND_PAGE_SIZE,
                    "numberOfElements": len(content),
                },
            }
        }
        pages.append(_json_bytes(doc))
    return pages


# -- Nambu PV -----------------------------------------------------------------------


def pv_item_fields(
    rng: random.Random, gencd: str, hogi: int, name: str, capacity: float, day: date
) -> list[tuple[str, str | None]]:
    """The (element, text) pairs of one record; text ``None`` = element absent."""
    clearness = rng.uniform(0.25, 0.95)
    hours: list[float] = []
    for label in range(1, 25):
        # Label N covers [N-1, N); January daylight is roughly 07:30-17:40.
        mid = label - 0.5
        sun = math.sin((mid - 7.5) / 10.2 * math.pi) if 7.5 < mid < 17.7 else 0.0
        value = capacity * 0.72 * clearness * max(0.0, sun) ** 1.3 * rng.uniform(0.85, 1.05)
        hours.append(round(value, 1) if value >= 0.05 else 0.0)
    missing = PV_MISSING.get((gencd, hogi, day))
    observed = [v for i, v in enumerate(hours, start=1) if not (missing and missing[0] == i)]
    total = round(sum(observed), 1)
    fields: list[tuple[str, str | None]] = [
        ("gencd", gencd),
        ("hogi", str(hogi)),
        ("ipptnm", name),
    ]
    for label, value in enumerate(hours, start=1):
        text: str | None = _fmt(value)
        if missing and missing[0] == label:
            text = "" if missing[1] == "empty" else None
        fields.append((f"qhorgen{label:02d}", text))
    fields += [
        ("qvodavg", _fmt(total / 24, 3)),
        ("qvodgen", _fmt(total)),
        ("qvodmax", _fmt(max(observed))),
        ("qvodmin", _fmt(min(observed))),
        ("ymd", ymd(day)),
    ]
    return fields


def _xml_fields(fields: list[tuple[str, str | None]], indent: str) -> str:
    lines = []
    for tag, text in fields:
        if text is None:
            continue
        lines.append(f"{indent}<{tag}>{escape(text)}</{tag}>" if text else f"{indent}<{tag}/>")
    return "\n".join(lines)


def pv_body(records: list[list[tuple[str, str | None]]], shape_b: bool) -> bytes:
    if shape_b and len(records) == 1:
        items = f"<items>\n{_xml_fields(records[0], '      ')}\n    </items>"
    elif records:
        inner = "\n".join(
            f"      <item>\n{_xml_fields(r, '        ')}\n      </item>" for r in records
        )
        items = f"<items>\n{inner}\n    </items>"
    else:
        items = "<items/>"
    text = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<response>\n"
        "  <header>\n"
        "    <resultCode>00</resultCode>\n"
        "    <resultMsg>NORMAL SERVICE.</resultMsg>\n"
        "  </header>\n"
        "  <body>\n"
        f"    {items}\n"
        "    <numOfRows>10</numOfRows>\n"
        "    <pageNo>1</pageNo>\n"
        f"    <totalCount>{len(records)}</totalCount>\n"
        "  </body>\n"
        "</response>\n"
    )
    return text.encode("utf-8")


# -- writing -----------------------------------------------------------------------------


def generate() -> dict[str, bytes]:
    """All sample files (relative path -> bytes), ``manifest.json`` included."""
    rng = random.Random(SEED)
    files: dict[str, bytes] = {}
    manifest: dict[str, object] = {
        "generator": "sources/samples/generate.py",
        "seed": SEED,
        "window": {"start": WINDOW_START.isoformat(), "end": WINDOW_END.isoformat()},
    }

    asos_entries = []
    for stn, name, mean_ta in ASOS_STATIONS:
        for day in days(WINDOW_START, WINDOW_END):
            path = f"asos/{stn}_{ymd(day)}.json"
            files[path] = asos_day(rng, stn, name, mean_ta, day)
            asos_entries.append({"station": stn, "day": day.isoformat(), "file": path})
    manifest["asos"] = asos_entries

    pages = wind_pages(wind_records(rng))
    wind_files = []
    for number, body in enumerate(pages, start=1):
        path = f"wind/{WIND_START:%Y%m}_page{number}.json"
        files[path] = body
        wind_files.append(path)
    manifest["wind"] = [
        {
            "start": WIND_START.isoformat(),
            "end": WIND_END.isoformat(),
            "page_size": WIND_PAGE_SIZE,
            "files": wind_files,
        }
    ]

    capacities = {unit: rng.choice((98.0, 250.0, 499.0, 1000.0, 1500.0)) for unit in PV_UNITS}
    pv_entries = []
    for (gencd, hogi), name in PV_UNITS.items():
        for day in days(WINDOW_START, WINDOW_END):
            asked = [day]
            if (gencd, hogi, day) in PV_NEXT_DAY:
                asked.append(day + timedelta(days=1))
            records = [
                pv_item_fields(rng, gencd, hogi, name, capacities[(gencd, hogi)], d)
                for d in asked
            ]
            path = f"pv/{gencd}_{hogi}_{ymd(day)}.xml"
            files[path] = pv_body(records, (gencd, hogi) in PV_SHAPE_B)
            pv_entries.append(
                {
                    "gencd": gencd,
                    "hogi": hogi,
                    "day": day.isoformat(),
                    "asked_end": asked[-1].isoformat(),
                    "file": path,
                }
            )
    manifest["pv"] = pv_entries

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
