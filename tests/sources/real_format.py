"""Answer bodies in the three APIs' real formats, built in code for the source tests.

The formats are those of the real-format payloads (documented answers and
published records; see tests/fixtures/payloads/real/ and its README):

* ASOS: JSON under ``response``, ``header.resultCode`` ``"00"``, paging fields
  (``pageNo``, ``numOfRows``, ``totalCount``) as JSON numbers, every record
  value a string, ``items.item`` a list (an object when the page has one
  record);
* Nambu PV: XML with header ``800``/``NORMAL_SERVICE.``, ``ymd`` as
  ``YYYY-MM-DD``, ``<numOfRows>``, ``<pageNo>``, ``<totalCnt>`` inside
  ``<body>`` after ``<items>``; a one-record page in the single-record shape
  (fields directly under ``<items>``);
* Namdong wind: JSON under the misspelt ``reponse``, records in
  ``body.content``, no ``totalCount``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sources.replay import asos_body

# -- ASOS ------------------------------------------------------------------------------

#: The verbatim real ASOS hourly record (see tests/fixtures/payloads/real/README.md).
VERBATIM_ASOS = (
    Path(__file__).resolve().parents[1]
    / "fixtures/payloads/real/asos_hourly_108_20190120_verbatim_item.json"
)


def _verbatim_fields() -> list[str]:
    item = json.loads(VERBATIM_ASOS.read_text(encoding="utf-8"))["response"]["body"]["items"][
        "item"
    ]
    return list(item[0] if isinstance(item, list) else item)


#: The record fields of a real ASOS hourly record, in the API's order (read
#: from the verbatim record, so the two cannot disagree).
ASOS_FIELDS = _verbatim_fields()


def asos_record(station: int, hour: datetime, rnum: int) -> dict[str, str]:
    """One hourly record; values follow the hour so that pages can be told apart."""
    record = dict.fromkeys(ASOS_FIELDS, "")
    record.update(
        tm=hour.strftime("%Y-%m-%d %H:%M"),
        rnum=str(rnum),
        stnId=str(station),
        stnNm="서울",
        ta=f"{(hour.hour % 12) - 3:.1f}",
        hm=str(50 + hour.hour),
        ws="2.5",
        wd="290",
        pa="1007.8",
    )
    return record


def asos_records(station: int, start: date, end: date) -> list[dict[str, str]]:
    """The records 00:00 of ``start`` .. 23:00 of ``end``, in time order."""
    first = datetime(start.year, start.month, start.day)
    hours = ((end - start).days + 1) * 24
    return [asos_record(station, first + timedelta(hours=h), h + 1) for h in range(hours)]


#: A success page in the API's shape: the portal emulator's own serialiser, so
#: the tests and the emulator cannot disagree on the format.
asos_page = asos_body


# -- Nambu PV ----------------------------------------------------------------------------

PV_NAME = "한국남부발전(주)_신인천전망대 태양광발전실적"


def pv_record(day: date, gencd: str, hogi: int, *, dashed: bool = True) -> str:
    """One (plant, unit, day) record's fields as XML (no enclosing element)."""
    hours = [
        0,
        0,
        0,
        0,
        0,
        1,
        38,
        85,
        137,
        184,
        224,
        247,
        251,
        250,
        240,
        200,
        150,
        90,
        30,
        2,
        0,
        0,
        0,
        0,
    ]
    ymd = day.isoformat() if dashed else day.strftime("%Y%m%d")
    fields = [
        ("ymd", ymd),
        ("gencd", gencd),
        ("ipptnm", PV_NAME),
        ("hogi", str(hogi)),
        ("qvodgen", f"{sum(hours):.1f}"),
        ("qvodavg", f"{sum(hours) / 24:.2f}"),
        ("qvodmax", str(max(hours))),
        ("qvodmin", "0"),
    ]
    fields += [(f"qhorgen{h:02d}", str(v + day.day)) for h, v in enumerate(hours, start=1)]
    return "".join(f"<{k}>{v}</{k}>" for k, v in fields)


def pv_page(
    records: Sequence[str],
    *,
    page_no: int,
    num_of_rows: int,
    total: int | None,
    code: str = "800",
    message: str = "NORMAL_SERVICE.",
    count_tag: str = "totalCnt",
) -> str:
    if len(records) == 1:
        items = f"<items>{records[0]}</items>"
    elif records:
        items = "<items>" + "".join(f"<item>{r}</item>" for r in records) + "</items>"
    else:
        items = "<items/>"
    count = f"<{count_tag}>{total}</{count_tag}>" if total is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header>'
        f"<resultCode>{code}</resultCode><resultMsg>{message}</resultMsg></header><body>{items}"
        f"<numOfRows>{num_of_rows}</numOfRows><pageNo>{page_no}</pageNo>{count}</body></response>"
    )


# -- Namdong wind -----------------------------------------------------------------------

WIND_UNITS = (("9997", 1, "영흥풍력"), ("9997", 2, "영흥풍력"), ("9994", 1, "어음풍력"))


def wind_record(day: date, ippt: str, hogi: int, name: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "dgenYmd": day.isoformat(),
        "ippt": ippt,
        "hogi": str(hogi),
        "ipptNam": name,
    }
    values = [round(400.0 + 10 * h + day.day, 3) for h in range(1, 25)]
    record.update({f"qhorGen{h:02d}": v for h, v in enumerate(values, start=1)})
    record.update(
        qsum=round(sum(values), 3),
        qavg=round(sum(values) / 24, 3),
        qvodMaxS=max(values),
        qvodMinS=min(values),
        qvodMax=max(values),
        qvodMin=min(values),
        eaidml=None,
        eaiflag=None,
        eaimsg=None,
    )
    return record


def wind_records(start: date, end: date) -> list[dict[str, Any]]:
    out = []
    day = start
    while day <= end:
        out += [wind_record(day, *unit) for unit in WIND_UNITS]
        day += timedelta(days=1)
    return out


def wind_page(records: Sequence[dict[str, Any]], *, key: str = "reponse") -> str:
    doc = {
        key: {
            "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
            "body": {"content": list(records)},
        }
    }
    return json.dumps(doc, ensure_ascii=False)
