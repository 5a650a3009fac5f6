"""The offline replay: the bundled sample records and the portal emulator answering range queries.

Answers are parsed with the python backend's transforms (T3-T5) and
:mod:`portal`, the envelope readers the pipeline uses.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from foundations.errors import PortalError
from foundations.settings import PipelineSettings
from plugins.python_backend.asos import asos_to_frame
from plugins.python_backend.pv import pv_to_long, records_from_body
from plugins.python_backend.wind import wind_to_long
from portal import load_json_response, load_xml_response, parse_json
from sources import SourceError
from sources.replay import (
    ASOS_PATH,
    DEFAULT_SAMPLES_DIR,
    PV_PATH,
    WIND_PATH,
    Catalog,
    PortalEmulator,
    SyntheticAsos,
    SyntheticPv,
    SyntheticWind,
)
from sources.samples import generate
from tests.sources.real_format import ASOS_FIELDS

REPO = Path(__file__).resolve().parents[2]
WINDOW = (date(2024, 1, 29), date(2024, 1, 31))
KEY = {"serviceKey": "replay-test"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture(scope="module")
def emulator(catalog: Catalog) -> PortalEmulator:
    return catalog.emulator()


def asos_query(
    start: str, end: str, station: int = 108, rows: int = 999, page: int = 1, **kw: str
) -> dict[str, str]:
    """``start``/``end`` as ``YYYYMMDDHH``."""
    return {
        **KEY,
        "pageNo": str(page),
        "numOfRows": str(rows),
        "dataType": "JSON",
        "dataCd": "ASOS",
        "dateCd": "HR",
        "startDt": start[:8],
        "startHh": start[8:],
        "endDt": end[:8],
        "endHh": end[8:],
        "stnIds": str(station),
        **kw,
    }


def pv_query(start: str, end: str, rows: int = 100, page: int = 1, **kw: str) -> dict[str, str]:
    return {
        **KEY,
        "pageNo": str(page),
        "numOfRows": str(rows),
        "strSdate": start,
        "strEdate": end,
        **kw,
    }


def wind_query(start: str, end: str, size: int = 100, page: int = 1) -> dict[str, str]:
    return {**KEY, "size": str(size), "page": str(page), "startD": start, "endD": end}


def asos_items(body: bytes) -> list[dict[str, str]]:
    item = load_json_response(body, source="asos")["body"]["items"]["item"]
    return [item] if isinstance(item, dict) else item


def portal_code(body: bytes, source: str) -> str:
    with pytest.raises(PortalError) as info:
        (load_xml_response if body.lstrip().startswith(b"<") else load_json_response)(
            body, source=source
        )
    return info.value.code


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


def test_samples_stay_small_and_hold_no_secret_looking_text():
    files = generate.generate()
    assert sum(len(b) for b in files.values()) < 450 * 1024
    for data in files.values():
        text = data.decode("utf-8").lower()
        assert "servicekey" not in text and "hooks.slack.com" not in text


def test_catalog_window_stations_and_units(catalog: Catalog):
    assert catalog.window == WINDOW
    assert catalog.asos_stations == sorted(PipelineSettings().asos_station_ids)
    assert len(catalog.pv_units) >= 5


def test_asos_records_have_the_real_field_set(catalog: Catalog):
    for records in catalog.asos.values():
        assert len(records) == 72
        for record in records:
            assert list(record) == ASOS_FIELDS
            assert all(isinstance(v, str) for v in record.values())


def test_units_are_the_real_ones(catalog: Catalog):
    wind_units = {(r["ippt"], r["hogi"], r["ipptNam"]) for r in catalog.wind}
    assert wind_units == {
        ("9997", "1", "영흥풍력"),
        ("9997", "2", "영흥풍력"),
        ("9995", "1", "군위 화산풍력"),
        ("9996", "1", "삼천포풍력"),
        ("9994", "1", "어음풍력"),
    }
    with (REPO / "pipeline/reference/nambu_pv_units.csv").open(encoding="utf-8") as fh:
        reference = {(r["gencd"], int(r["hogi"])): r["plant_name"] for r in csv.DictReader(fh)}
    for record in catalog.pv:
        assert reference[(record.gencd, record.hogi)] == dict(record.fields)["ipptnm"]


def test_samples_keep_the_irregularities(catalog: Catalog):
    def missing(station: int, field: str) -> list[str]:
        return [r["tm"] for r in catalog.asos[station] if r[field] == ""]

    for station, field in ((108, "ta"), (143, "ta"), (156, "hm"), (159, "ta")):
        for record in catalog.asos[station]:
            assert (record[field] == "") == (record[f"{field}Qcflg"] == "9")
    assert missing(108, "ta") == [f"2024-01-30 {h}:00" for h in range(10, 15)]  # > max_spline_gap
    assert missing(143, "ta") == ["2024-01-29 23:00", "2024-01-30 00:00", "2024-01-30 01:00"]
    assert missing(156, "hm") == ["2024-01-30 23:00", "2024-01-31 00:00"]
    assert missing(159, "ta")[-1] == "2024-01-31 23:00"  # the window's last hour

    hours = [v for r in catalog.wind for k, v in r.items() if k.startswith("qhorGen")]
    assert {type(v).__name__ for v in hours} == {"float", "str", "NoneType"}
    assert "" in hours and any(isinstance(v, str) and v for v in hours)
    assert {len(str(r["dgenYmd"])) for r in catalog.wind} == {8, 10}

    fields = [dict(r.fields) for r in catalog.pv]
    assert any(f.get("qhorgen13") == "" for f in fields)  # empty element
    assert any(
        len([k for k in f if k.startswith("qhorgen")]) == 23 for f in fields
    )  # absent element
    assert [(r.gencd, r.hogi, r.day) for r in catalog.pv if r.next_day_only] == [
        ("H997", 3, date(2024, 1, 30))
    ]


def test_missing_samples_dir_is_a_clear_error(tmp_path: Path):
    with pytest.raises(SourceError, match=r"manifest\.json.*sources\.samples\.generate"):
        Catalog.load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"window": {}}')
    with pytest.raises(SourceError, match="not a valid sample"):
        Catalog.load(tmp_path)


# -- ASOS -------------------------------------------------------------------------------------


def test_asos_range_is_paged_with_counts_in_time_order(emulator: PortalEmulator):
    pages = [
        emulator.answer(ASOS_PATH, asos_query("2024012905", "2024013102", rows=30, page=p))
        for p in (1, 2, 3)
    ]
    assert {(a.status, a.content_type) for a in pages} == {(200, "application/json;charset=UTF-8")}

    docs = [load_json_response(a.body, source="asos") for a in pages]
    items = [i for a in pages for i in asos_items(a.body)]
    assert [d["body"]["totalCount"] for d in docs] == [46, 46, 46]  # 05 h .. 02 h two days later
    assert [d["body"]["pageNo"] for d in docs] == [1, 2, 3] and docs[0]["body"]["numOfRows"] == 30
    assert [len(asos_items(a.body)) for a in pages] == [30, 16, 0]
    assert [i["rnum"] for i in items] == [str(n) for n in range(1, 47)]
    assert items[0]["tm"] == "2024-01-29 05:00" and items[-1]["tm"] == "2024-01-31 02:00"
    assert [i["tm"] for i in items] == sorted(i["tm"] for i in items)
    assert {i["stnId"] for i in items} == {"108"}

    frame = asos_to_frame(pages[0].body).frame
    assert len(frame) == 30 and frame["tm"].iloc[0] == datetime(2024, 1, 29, 5)


def test_asos_one_record_page_and_station_filter(emulator: PortalEmulator):
    one = emulator.answer(ASOS_PATH, asos_query("2024013012", "2024013012", station=143))
    item = load_json_response(one.body, source="asos")["body"]["items"]["item"]
    assert isinstance(item, dict) and item["stnId"] == "143" and item["tm"] == "2024-01-30 12:00"
    assert len(asos_to_frame(one.body).frame) == 1

    assert (
        portal_code(
            emulator.answer(ASOS_PATH, asos_query("2024013000", "2024013023", station=90)).body,
            "asos",
        )
        == "03"
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (asos_query("2024020100", "2024020523"), "03"),  # after the window
        (asos_query("2024013000", "2024013023", rows=1000), "10"),
        (asos_query("2024013000", "2024012923"), "10"),
        ({k: v for k, v in asos_query("2024013000", "2024013023").items() if k != "startDt"}, "11"),
    ],
)
def test_asos_error_answers(emulator: PortalEmulator, params: dict[str, str], code: str):
    answer = emulator.answer(ASOS_PATH, params)
    assert answer.status == 200
    doc = json.loads(answer.body)
    assert doc["response"]["header"]["resultCode"] == code
    assert portal_code(answer.body, "asos") == code
    if code == "03":
        assert doc["response"]["header"]["resultMsg"] == "NODATA_ERROR"


def test_unknown_path_is_404_and_a_keyless_request_the_gateway_error(emulator: PortalEmulator):
    assert emulator.answer("/1360000/Other/service", KEY).status == 404
    keyless = emulator.answer(
        ASOS_PATH,
        {k: v for k, v in asos_query("2024013000", "2024013023").items() if k != "serviceKey"},
    )
    assert portal_code(keyless.body, "asos") == "30"
    # A test's base-URL prefix is fine: paths are matched by their ending.
    assert emulator.answer("/t7" + ASOS_PATH, asos_query("2024013000", "2024013000")).status == 200


# -- PV -----------------------------------------------------------------------------------------


def test_pv_all_units_range_is_paged_by_day_then_unit(catalog: Catalog, emulator: PortalEmulator):
    units = len(catalog.pv_units)
    pages = [
        emulator.answer(PV_PATH, pv_query("20240129", "20240201", rows=7, page=p))
        for p in range(1, 7)
    ]
    assert {a.content_type for a in pages} == {"text/xml;charset=UTF-8"}
    roots = [load_xml_response(a.body, source="pv") for a in pages]
    assert {r.findtext("header/resultCode") for r in roots} == {"800"}
    assert {r.findtext("header/resultMsg") for r in roots} == {"NORMAL_SERVICE."}
    assert {r.findtext("body/totalCnt") for r in roots} == {str(3 * units)}
    records = [rec for a in pages for rec in records_from_body(a.body)]
    assert len(records) == 3 * units  # the 6th page is past the end
    keys = [(r["ymd"], r["gencd"], int(r["hogi"])) for r in records]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {r["ymd"] for r in records} == {"2024-01-29", "2024-01-30", "2024-01-31"}

    frame = pv_to_long(pages[0].body).frame
    assert len(frame) == 7 * 24


def test_pv_unit_filters_and_single_record_shape(emulator: PortalEmulator):
    answer = emulator.answer(
        PV_PATH, pv_query("20240129", "20240129", strOrgCd="B997", strHoki="2")
    )
    root = load_xml_response(answer.body, source="pv")
    assert root.find("body/items/item") is None and root.findtext("body/items/gencd") == "B997"
    assert [(r["gencd"], r["hogi"]) for r in records_from_body(answer.body)] == [("B997", "2")]

    both = records_from_body(
        emulator.answer(PV_PATH, pv_query("20240129", "20240131", strOrgCd="B997")).body
    )
    assert [(r["ymd"], r["hogi"]) for r in both] == [
        (d, h) for d in ("2024-01-29", "2024-01-30", "2024-01-31") for h in ("1", "2")
    ]


def test_pv_next_day_quirk(emulator: PortalEmulator):
    unit = {"strOrgCd": "H997", "strHoki": "3"}
    alone = emulator.answer(PV_PATH, pv_query("20240130", "20240130", **unit))
    assert portal_code(alone.body, "pv") == "03"
    ending = records_from_body(
        emulator.answer(PV_PATH, pv_query("20240129", "20240130", **unit)).body
    )
    assert [r["ymd"] for r in ending] == ["2024-01-29"]
    # Any later strEdate publishes it; all-units answers follow the same rule.
    later = records_from_body(
        emulator.answer(PV_PATH, pv_query("20240130", "20240131", **unit)).body
    )
    assert [r["ymd"] for r in later] == ["2024-01-30", "2024-01-31"]
    all_units = emulator.answer(PV_PATH, pv_query("20240130", "20240130"))
    assert ("H997", "3") not in {(r["gencd"], r["hogi"]) for r in records_from_body(all_units.body)}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (pv_query("20240101", "20240128"), "03"),
        (pv_query("20240101", "20250101"), "10"),  # longer than a year
        (pv_query("20240131", "20240129"), "10"),
        (pv_query("2024-01-29", "20240129"), "10"),
        ({k: v for k, v in pv_query("20240129", "20240129").items() if k != "strEdate"}, "11"),
    ],
)
def test_pv_error_answers(emulator: PortalEmulator, params: dict[str, str], code: str):
    answer = emulator.answer(PV_PATH, params)
    assert answer.status == 200 and answer.content_type.startswith("text/xml")
    assert portal_code(answer.body, "pv") == code


# -- wind ------------------------------------------------------------------------------------------


def test_wind_is_paged_by_size_until_an_empty_content(catalog: Catalog, emulator: PortalEmulator):
    pages = [
        emulator.answer(WIND_PATH, wind_query("20240101", "20240131", size=60, page=p))
        for p in (1, 2, 3, 4)
    ]
    docs = [parse_json(a.body, source="wind") for a in pages]
    assert all(list(d) == ["reponse"] for d in docs)
    assert all("totalCount" not in d["reponse"]["body"] for d in docs)
    content = [d["reponse"]["body"]["content"] for d in docs]
    assert [len(c) for c in content] == [60, 60, 35, 0]
    assert [r for c in content for r in c] == [dict(r) for r in catalog.wind]

    frame = wind_to_long(pages[0].body).frame
    assert len(frame) == 60 * 24


def test_wind_sub_range_filters_both_date_forms(emulator: PortalEmulator):
    body = emulator.answer(WIND_PATH, wind_query("20240119", "20240120")).body
    days = [r["dgenYmd"] for r in load_json_response(body, source="wind")["body"]["content"]]
    assert days == ["20240119"] * 5 + ["2024-01-20"] * 5


def test_wind_outside_the_samples_is_03_in_the_wind_format(emulator: PortalEmulator):
    answer = emulator.answer(WIND_PATH, wind_query("20240201", "20240229"))
    assert json.loads(answer.body)["reponse"]["header"] == {
        "resultCode": "03",
        "resultMsg": "NODATA_ERROR",
    }
    assert portal_code(answer.body, "wind") == "03"


# -- generated records through the same emulator ----------------------------------------------------


def test_synthetic_ten_years_of_43_stations_are_served_lazily():
    stations = list(range(90, 90 + 43))
    emulator = PortalEmulator(
        asos=SyntheticAsos(stations, date(2015, 1, 1), date(2024, 12, 31), seed=3)
    )
    hours = (date(2024, 12, 31) - date(2015, 1, 1)).days * 24 + 24

    page = emulator.answer(ASOS_PATH, asos_query("2015010100", "2024123123", station=120, page=50))
    doc = load_json_response(page.body, source="asos")["body"]
    items = doc["items"]["item"]
    assert doc["totalCount"] == hours and len(items) == 999
    assert items[0]["rnum"] == str(49 * 999 + 1) and items[0]["stnId"] == "120"
    assert datetime.strptime(items[0]["tm"], "%Y-%m-%d %H:%M") == datetime(2015, 1, 1) + (
        49 * 999
    ) * (datetime(2015, 1, 1, 1) - datetime(2015, 1, 1))
    again = emulator.answer(ASOS_PATH, asos_query("2015010100", "2024123123", station=120, page=50))
    assert again.body == page.body  # seeded
    assert len(asos_to_frame(page.body).frame) == 999


def test_synthetic_pv_and_wind():
    units = [
        ("997S", 1, "한국남부발전(주)_신인천전망대 태양광발전실적"),
        ("B997", 2, "한국남부발전(주)_부산본부 태양광발전실적"),
    ]
    emulator = PortalEmulator(
        pv=SyntheticPv(units, date(2023, 1, 1), date(2023, 12, 31)),
        wind=SyntheticWind([("9997", 1, "영흥풍력")], date(2023, 1, 1), date(2023, 12, 31)),
    )
    root = load_xml_response(
        emulator.answer(PV_PATH, pv_query("20230101", "20231231", rows=100, page=8)).body,
        source="pv",
    )
    assert root.findtext("body/totalCnt") == "730"
    assert len(root.findall("body/items/item")) == 30
    wind = emulator.answer(WIND_PATH, wind_query("20231201", "20240131", size=100)).body
    assert len(load_json_response(wind, source="wind")["body"]["content"]) == 31
    assert (
        portal_code(emulator.answer(ASOS_PATH, asos_query("2023010100", "2023010123")).body, "asos")
        == "03"
    )
