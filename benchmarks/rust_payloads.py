"""Seeded raw response bodies of any size for the T3..T5 benchmarks.

Shapes follow the recorded fixtures (tests/fixtures/payloads): wind JSON pages
with numbers as strings and JSON numbers, empty strings and nulls, both date
formats; Nambu PV XML with ``<items><item>``; KMA ASOS JSON with string
values. Records cycle over plants/units (or stations) and consecutive days, so
there are no duplicates and every record is valid.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np

# Real Namdong wind units; the plant codes (ippt) are not published anywhere, these are the
# codes of the reconstructed real-format bodies (tests/fixtures/payloads/real/), not official.
WIND_PLANTS = (("9997", 1, "영흥풍력"), ("9997", 2, "영흥풍력"), ("9995", 1, "군위 화산풍력"))
# Nambu PV units of pipeline/reference/nambu_pv_units.csv (names shortened).
PV_UNITS = (("997G", 1, "부산신항"), ("H997", 2, "하동본부"), ("B997", 1, "부산본부"))
STATIONS = ((108, "서울"), (159, "부산"), (133, "대전"))
_START = date(2024, 1, 1)
_WIND_DAYS = 3650


def _hour_value(rng: np.random.Generator, as_number: bool) -> object:
    roll = rng.random()
    if roll < 0.02:
        return ""
    if roll < 0.04:
        return None
    value = round(float(rng.uniform(0, 3000)), 1)
    return value if as_number else f"{value}"


def wind_body(records: int, seed: int = 0, *, first: int = 0, top_key: str = "response") -> bytes:
    """One wind 'page' with ``records`` records (24 hourly fields each).

    ``first`` is the position of the page's first record in the whole answer
    (so that consecutive pages hold different plant-days); real answers sit
    under the misspelt ``top_key="reponse"``.
    """
    rng = np.random.default_rng(seed)
    content = []
    for i in range(first, first + records):
        code, unit, name = WIND_PLANTS[i % len(WIND_PLANTS)]
        # Dates wrap after ten years and each wrap is another plant code: a
        # million records would otherwise run past pandas' datetime64[ns] range
        # (year 2262) and be dropped as bad dates instead of measured.
        wrap, day_index = divmod(i // len(WIND_PLANTS), _WIND_DAYS)
        day = _START + timedelta(days=day_index)
        record: dict[str, object] = {
            "dgenYmd": day.strftime("%Y%m%d") if i % 2 else day.isoformat(),
            "ippt": f"{code}{wrap:03d}" if wrap else code,
            "hogi": str(unit) if i % 3 else unit,
            "ipptNam": name,
        }
        as_number = bool(i % 2)
        record.update({f"qhorGen{h:02d}": _hour_value(rng, as_number) for h in range(1, 25)})
        content.append(record)
    body = {top_key: {"header": {"resultCode": "00", "resultMsg": "NORMAL SERVICE"},
                      "body": {"content": content, "totalCount": records}}}  # fmt: skip
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def pv_body(items: int, seed: int = 0, *, first: int = 0, real_format: bool = False) -> bytes:
    """A Nambu PV XML body with ``items`` per-day items.

    ``real_format`` writes the documented answer (tests/fixtures/payloads/real):
    header ``800``/``NORMAL_SERVICE.``, ``ymd`` as ``YYYY-MM-DD``, count ``totalCnt``.
    """
    rng = np.random.default_rng(seed)
    parts = []
    date_format = "%Y-%m-%d" if real_format else "%Y%m%d"
    for i in range(first, first + items):
        code, unit, name = PV_UNITS[i % len(PV_UNITS)]
        day = _START + timedelta(days=i // len(PV_UNITS))
        hours = []
        for h in range(1, 25):
            value = _hour_value(rng, False)
            hours.append(f"<qhorgen{h:02d}>{value or ''}</qhorgen{h:02d}>")
        parts.append(
            f"<item><gencd>{code}</gencd><hogi>{unit}</hogi><ipptnm>{name}</ipptnm>"
            f"<qvodavg>120.5</qvodavg><qvodgen>2892.1</qvodgen><qvodmax>410.2</qvodmax>"
            f"<qvodmin>0</qvodmin>{''.join(hours)}<ymd>{day.strftime(date_format)}</ymd></item>"
        )
    code, message, count = ("800", "NORMAL_SERVICE.", "totalCnt") if real_format else ("00", "NORMAL SERVICE.", "totalCount")  # fmt: skip
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<response><header><resultCode>{code}</resultCode><resultMsg>{message}</resultMsg>"
        f"</header><body><items>{''.join(parts)}</items><numOfRows>{items}</numOfRows>"
        f"<pageNo>1</pageNo><{count}>{items}</{count}></body></response>"
    ).encode()


def asos_body(items: int, seed: int = 0, *, first: int = 0) -> bytes:
    """A KMA ASOS JSON body with ``items`` hourly items (values as strings)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(first, first + items):
        stn_id, stn_nm = STATIONS[i % len(STATIONS)]
        hour = i // len(STATIONS)
        day = _START + timedelta(hours=hour)
        tm = f"{day.isoformat()} {hour % 24:02d}:00"

        def value() -> str:
            return "" if rng.random() < 0.03 else f"{rng.normal(5, 8):.1f}"

        out.append({"tm": tm, "stnId": str(stn_id), "stnNm": stn_nm, "ta": value(), "hm": value(),
                    "rn": "", "ws": value(), "pa": value()})  # fmt: skip
    body = {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                         "body": {"dataType": "JSON", "items": {"item": out}, "pageNo": 1,
                                  "numOfRows": items, "totalCount": items}}}  # fmt: skip
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- batches
# What one fetch step hands T3-T5 (docs/contracts/transforms.md, "Batches of
# bodies"): consecutive pages of one answer, each page a distinct body, so the
# batch holds no duplicate records across bodies.

#: Wind pages hold 100 records: ``[sources.wind] page_size``, the legacy collector's size.
WIND_PAGE_RECORDS = 100
#: An ASOS page of one station-day: what a daily weather run fetches per station.
ASOS_PAGE_ITEMS = 24


def wind_pages(pages: int, records: int = WIND_PAGE_RECORDS) -> list[bytes]:
    """``pages`` real-format wind pages (top key ``reponse``) of ``records`` records each."""
    return [wind_body(records, seed=k, first=k * records, top_key="reponse") for k in range(pages)]


def pv_day_bodies(days: int) -> list[bytes]:
    """``days`` real-format PV bodies, each one plant/unit-day item (a one-day query's answer)."""
    return [pv_body(1, seed=k, first=k, real_format=True) for k in range(days)]


def asos_pages(pages: int, items: int = ASOS_PAGE_ITEMS) -> list[bytes]:
    """``pages`` ASOS pages of ``items`` hourly items each (values as strings, as KMA sends them)."""
    return [asos_body(items, seed=k, first=k * items) for k in range(pages)]
