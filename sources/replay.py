"""Offline replay: a local emulator of the three portal APIs, serving sample records.

``settings.sources.mode == "replay"`` (the default) runs the *live* sources
(:mod:`sources.kma_asos`, :mod:`sources.namdong_wind`, :mod:`sources.nambu_pv`)
over a :class:`~sources.http_client.PortalClient` whose transport is
:class:`ReplayTransport`: every request the live code makes is answered by
:class:`PortalEmulator` as the real service would answer it, so the default
environment exercises the exact client code (paging, range queries, the PV
next-day rule, code 03) and the same parsers as production.

Records come from providers (:class:`AsosRecords`, :class:`PvRecords`,
:class:`WindRecords`): :class:`Catalog` serves the bundled samples under
``sources/samples/`` (indexed by ``manifest.json``); :class:`SyntheticAsos`,
:class:`SyntheticPv` and :class:`SyntheticWind` generate deterministic
records of any size lazily (a benchmark's 10 years x 43 stations).
:class:`PortalServer` serves an emulator over a real threaded HTTP server on
127.0.0.1, with per-path request counts and an optional per-response latency.

What the emulator answers (``answer(path, params) -> Answer``); ``path`` may
carry a prefix (a test's base URL), it is matched by its ending:

* ASOS ``.../1360000/AsosHourlyInfoService/getWthrDataList``: ``stnIds`` (one
  station), ``startDt``/``startHh`` .. ``endDt``/``endHh`` inclusive; records in
  time order, paged by ``numOfRows`` (1..999, default 10) and ``pageNo``
  (default 1); JSON ``{"response":{"header":..,"body":{"dataType":"JSON",
  "items":{"item":[..]},"pageNo":..,"numOfRows":..,"totalCount":..}}}`` with
  paging fields as JSON numbers, ``rnum`` the row number in the whole answer,
  and a one-record page's ``item`` as an object (as the API may send it).
* Nambu PV ``.../B552520/PwrSunLightInfo/getDataService``: ``strSdate`` ..
  ``strEdate`` (at most one year), optional ``strOrgCd``/``strHoki``; one record
  per (plant, unit, day) ordered by day, plant, unit; paged by ``numOfRows``
  and ``pageNo``; XML with header ``800``/``NORMAL_SERVICE.`` and ``totalCnt``;
  a one-record page is written in the single-record shape (fields directly
  under ``<items>``). A record marked ``next_day_only`` is left out of an
  answer whose ``strEdate`` is its own day (the quirk the legacy collector met;
  asked with ``strEdate`` = day + 1 it is there).
* Namdong wind ``.../B551893/wind-power-by-hour/list``: ``startD`` .. ``endD``,
  ``size`` and ``page`` (from 1); JSON under the misspelt ``reponse`` key with
  ``body.content`` and no total; a page past the last record has
  ``"content":[]``.
* Nothing in the range: the portal's code 03 (``NODATA_ERROR``) in that API's
  format. A missing mandatory parameter: code 11; an unreadable or out-of-range
  one: code 10 (both in the API's format, HTTP 200). A request without
  ``serviceKey``: the gateway's code-30 envelope. Unknown path: HTTP 404.

The emulator never checks the key's value (the replay uses a fixed
placeholder); it is a stand-in for the portal, not a security boundary.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TypeVar, overload
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

import httpx

from foundations.errors import TransformInputError
from portal import RESPONSE_KEYS, parse_json, parse_xml
from sources.errors import SourceError

DEFAULT_SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
MANIFEST = "manifest.json"

ASOS_PATH = "/1360000/AsosHourlyInfoService/getWthrDataList"
PV_PATH = "/B552520/PwrSunLightInfo/getDataService"
WIND_PATH = "/B551893/wind-power-by-hour/list"

ASOS_MAX_ROWS = 999
#: The longest PV range one query may ask (the documentation: "up to one year").
PV_MAX_DAYS = 366
JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "text/xml;charset=UTF-8"

T = TypeVar("T")


# -- records and providers ------------------------------------------------------------


@dataclass(frozen=True)
class PvRecord:
    """One Nambu PV record: (plant, unit, day) and its XML elements in document order.

    ``fields`` are ``(tag, text)`` pairs; text ``""`` is written as an empty
    element (``<qhorgen13/>``, a missing value); an element absent from the
    answer is absent from ``fields``.
    """

    day: date
    gencd: str
    hogi: int
    fields: tuple[tuple[str, str], ...]
    #: Published only in answers whose ``strEdate`` is after ``day``.
    next_day_only: bool = False


class AsosRecords(Protocol):
    def hours(self, station: int, first: datetime, last: datetime) -> Sequence[Mapping[str, str]]:
        """The records of ``station`` from hour ``first`` to ``last`` inclusive, in time order."""
        ...


class PvRecords(Protocol):
    def days(
        self, start: date, end: date, gencd: str | None, hogi: int | None
    ) -> Sequence[PvRecord]:
        """Records dated ``start``..``end`` (of plant/unit when given), by day, plant, unit."""
        ...


class WindRecords(Protocol):
    def days(self, start: date, end: date) -> Sequence[Mapping[str, Any]]:
        """Records dated ``start``..``end``, by day (units in the API's order within a day)."""
        ...


class LazyRecords(Sequence[T]):
    """``count`` records made on demand by ``make(index)``: a provider's answer that is never
    materialised whole (the emulator only takes ``len`` and one page's slice)."""

    def __init__(self, count: int, make: Callable[[int], T]) -> None:
        self._count = max(0, count)
        self._make = make

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._make(i) for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._make(index)


class NoRecords:
    """A provider with nothing: every query of its API answers code 03."""

    def hours(self, station: int, first: datetime, last: datetime) -> Sequence[Any]:
        return []

    def days(self, start: date, end: date, *args: Any) -> Sequence[Any]:
        return []


# -- answer bodies ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def _json(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def asos_body(
    records: Sequence[Mapping[str, str]], *, page_no: int, num_of_rows: int, total: int
) -> bytes:
    """A KMA ASOS success page holding ``records`` (``rnum`` as given)."""
    item: Any = dict(records[0]) if len(records) == 1 else [dict(r) for r in records]
    return _json(
        {
            "response": {
                "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                "body": {
                    "dataType": "JSON",
                    "items": {"item": item},
                    "pageNo": page_no,
                    "numOfRows": num_of_rows,
                    "totalCount": total,
                },
            }
        }
    )


def _pv_elements(fields: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f"<{tag}>{escape(text)}</{tag}>" if text else f"<{tag}/>" for tag, text in fields
    )


def pv_body(records: Sequence[PvRecord], *, page_no: int, num_of_rows: int, total: int) -> bytes:
    """A Nambu PV success page (header 800, ``totalCnt``; one record in the single-record shape)."""
    if len(records) == 1:
        items = f"<items>{_pv_elements(records[0].fields)}</items>"
    elif records:
        inner = "".join(f"<item>{_pv_elements(r.fields)}</item>" for r in records)
        items = f"<items>{inner}</items>"
    else:
        items = "<items/>"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header>'
        "<resultCode>800</resultCode><resultMsg>NORMAL_SERVICE.</resultMsg></header>"
        f"<body>{items}<numOfRows>{num_of_rows}</numOfRows><pageNo>{page_no}</pageNo>"
        f"<totalCnt>{total}</totalCnt></body></response>"
    ).encode()


def wind_body(records: Sequence[Mapping[str, Any]]) -> bytes:
    """A Namdong wind success page (top-level key ``reponse``, as the API spells it)."""
    return _json(
        {
            "reponse": {
                "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
                "body": {"content": [dict(r) for r in records]},
            }
        }
    )


def _json_error(key: str, code: str, message: str) -> bytes:
    return _json({key: {"header": {"resultCode": code, "resultMsg": message}}})


def _xml_error(code: str, message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header>'
        f"<resultCode>{code}</resultCode><resultMsg>{message}</resultMsg></header></response>"
    ).encode()


GATEWAY_NO_KEY = (
    b"<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
    b"<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>"
    b"<returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>"
)

_MESSAGES = {
    "03": "NODATA_ERROR",
    "10": "INVALID_REQUEST_PARAMETER_ERROR",
    "11": "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
}


class _BadRequest(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise _BadRequest("11", f"missing {name}")
    return value


def _day(params: Mapping[str, str], name: str) -> date:
    text = _required(params, name)
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError(text)
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise _BadRequest("10", f"{name}={text!r} is not YYYYMMDD") from None


def _int(
    params: Mapping[str, str], name: str, default: int, low: int, high: int | None = None
) -> int:
    text = params.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise _BadRequest("10", f"{name}={text!r} is not a number") from None
    if value < low or (high is not None and value > high):
        raise _BadRequest("10", f"{name}={value} out of range")
    return value


def _page(records: Sequence[T], page_no: int, size: int) -> Sequence[T]:
    start = (page_no - 1) * size
    return records[start : start + size]


class _WithoutLast(Sequence[PvRecord]):
    """``records`` without the next-day-only records of its last day ``end`` (a tail: the
    records are ordered by day), without materialising the rest."""

    def __init__(self, records: Sequence[PvRecord], end: date) -> None:
        cut = len(records)
        while cut > 0 and records[cut - 1].day == end:
            cut -= 1
        self._head = cut
        self._records = records
        self._tail = [r for r in records[cut:] if not (r.day == end and r.next_day_only)]

    def __len__(self) -> int:
        return self._head + len(self._tail)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            position = index + len(self) if index < 0 else index
            if not 0 <= position < len(self):
                raise IndexError(index)
            return self[position : position + 1][0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            return [self[i : i + 1][0] for i in range(start, stop, step)]
        head = self._records[start : min(stop, self._head)] if start < self._head else []
        tail = self._tail[max(0, start - self._head) : max(0, stop - self._head)]
        return [*head, *tail]


def _error_answer(api: str, code: str) -> Answer:
    """A portal error in the API's own format (HTTP 200, as the portal sends them)."""
    message = _MESSAGES[code]
    if api == "pv":
        return Answer(200, XML_TYPE, _xml_error(code, message))
    key = "reponse" if api == "wind" else "response"  # the wind API's spelling
    return Answer(200, JSON_TYPE, _json_error(key, code, message))


class PortalEmulator:
    """The three portal APIs answered from record providers (see the module doc)."""

    def __init__(
        self,
        *,
        asos: AsosRecords | None = None,
        pv: PvRecords | None = None,
        wind: WindRecords | None = None,
    ) -> None:
        self.asos = asos or NoRecords()
        self.pv = pv or NoRecords()
        self.wind = wind or NoRecords()

    def answer(self, path: str, params: Mapping[str, str]) -> Answer:
        """The HTTP status, content type and body the portal sends for ``GET path?params``."""
        handler: Callable[[Mapping[str, str]], Answer]
        if path.endswith(ASOS_PATH):
            api, handler = "asos", self._asos
        elif path.endswith(PV_PATH):
            api, handler = "pv", self._pv
        elif path.endswith(WIND_PATH):
            api, handler = "wind", self._wind
        else:
            return Answer(404, "text/plain;charset=UTF-8", b"Not Found")
        if not params.get("serviceKey"):
            return Answer(200, XML_TYPE, GATEWAY_NO_KEY)
        try:
            return handler(params)
        except _BadRequest as bad:
            return _error_answer(api, bad.code)

    def _asos(self, params: Mapping[str, str]) -> Answer:
        for name, value in (("dataType", "JSON"), ("dataCd", "ASOS"), ("dateCd", "HR")):
            if _required(params, name) != value:
                raise _BadRequest("10", f"{name} must be {value}")
        try:
            station = int(_required(params, "stnIds"))
        except ValueError:
            raise _BadRequest("10", "stnIds is not one station id") from None
        first = datetime.combine(_day(params, "startDt"), datetime.min.time()) + timedelta(
            hours=_int(params, "startHh", 0, 0, 23)
        )
        last = datetime.combine(_day(params, "endDt"), datetime.min.time()) + timedelta(
            hours=_int(params, "endHh", 23, 0, 23)
        )
        rows = _int(params, "numOfRows", 10, 1, ASOS_MAX_ROWS)
        page_no = _int(params, "pageNo", 1, 1)
        if last < first:
            raise _BadRequest("10", "end before start")
        records = self.asos.hours(station, first, last)
        if not len(records):
            raise _BadRequest("03", "no records")
        offset = (page_no - 1) * rows
        page = [
            {**r, "rnum": str(offset + i + 1)} for i, r in enumerate(_page(records, page_no, rows))
        ]
        body = asos_body(page, page_no=page_no, num_of_rows=rows, total=len(records))
        return Answer(200, JSON_TYPE, body)

    def _pv(self, params: Mapping[str, str]) -> Answer:
        start, end = _day(params, "strSdate"), _day(params, "strEdate")
        if end < start or (end - start).days >= PV_MAX_DAYS:
            raise _BadRequest("10", "strSdate..strEdate is not a range of up to one year")
        gencd = params.get("strOrgCd", "").strip() or None
        hogi_text = params.get("strHoki", "").strip()
        hogi = _int(params, "strHoki", 0, 0) if hogi_text else None
        rows = _int(params, "numOfRows", 10, 1)
        page_no = _int(params, "pageNo", 1, 1)
        records: Sequence[PvRecord] = _WithoutLast(self.pv.days(start, end, gencd, hogi), end)
        if not len(records):
            raise _BadRequest("03", "no records")
        page = _page(records, page_no, rows)
        body = pv_body(page, page_no=page_no, num_of_rows=rows, total=len(records))
        return Answer(200, XML_TYPE, body)

    def _wind(self, params: Mapping[str, str]) -> Answer:
        start, end = _day(params, "startD"), _day(params, "endD")
        if end < start:
            raise _BadRequest("10", "endD before startD")
        size = _int(params, "size", 10, 1)
        page = _int(params, "page", 1, 1)
        records = self.wind.days(start, end)
        if not len(records):
            raise _BadRequest("03", "no records")
        return Answer(200, JSON_TYPE, wind_body(_page(records, page, size)))


# -- transports -----------------------------------------------------------------------------


class ReplayTransport(httpx.AsyncBaseTransport):
    """An httpx transport answering every request from a :class:`PortalEmulator`, in-process.

    ``requests`` counts the requests per API path (the part after any prefix
    is not stripped: the path as requested).
    """

    def __init__(self, emulator: PortalEmulator | Catalog) -> None:
        self.emulator = emulator.emulator() if isinstance(emulator, Catalog) else emulator
        self.requests: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests[path] += 1
        params = dict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True))
        answer = self.emulator.answer(path, params)
        return httpx.Response(
            answer.status,
            headers={"Content-Type": answer.content_type},
            content=answer.body,
            request=request,
        )


@dataclass
class _ServerState:
    emulator: PortalEmulator
    latency: Callable[[], float]
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's pool expects
    state: _ServerState  # set on the per-server subclass

    def do_GET(self) -> None:
        state = self.state
        url = urlsplit(self.path)
        with state.lock:
            state.counts[url.path] += 1
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            delay = state.latency()
            if delay > 0:
                time.sleep(delay)
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            answer = state.emulator.answer(url.path, params)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        finally:
            with state.lock:
                state.in_flight -= 1

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the service key: never print it.
        return


class PortalServer:
    """A :class:`PortalEmulator` on a threaded HTTP server at ``http://127.0.0.1:<port>``.

    ``latency_s`` is a fixed delay or a function returning one per response
    (e.g. ``lambda: rng.uniform(0.1, 0.3)``); requests are served on their own
    threads, so delays overlap as they would on the network. ``counts`` holds
    requests per path as the server saw them; ``max_in_flight`` the most
    requests it was answering at once. Use as a context manager.
    """

    def __init__(
        self, emulator: PortalEmulator, *, latency_s: float | Callable[[], float] = 0.0
    ) -> None:
        latency = latency_s if callable(latency_s) else (lambda: float(latency_s))
        self._state = _ServerState(emulator, latency)
        handler = type("PortalHandler", (_Handler,), {"state": self._state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        # An AF_INET server's address is (str, int); the bytes case is AF_UNIX only.
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    @property
    def counts(self) -> Counter[str]:
        with self._state.lock:
            return Counter(self._state.counts)

    @property
    def max_in_flight(self) -> int:
        return self._state.max_in_flight

    def reset(self) -> None:
        with self._state.lock:
            self._state.counts.clear()
            self._state.max_in_flight = 0

    def start(self) -> PortalServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="portal-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# -- the bundled samples ------------------------------------------------------------------------


def _parse_day(text: str) -> date:
    """``YYYYMMDD`` or ``YYYY-MM-DD`` (both occur in the answers)."""
    digits = text.strip().replace("-", "")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def _asos_hour(record: Mapping[str, str]) -> datetime:
    return datetime.strptime(record["tm"], "%Y-%m-%d %H:%M")


class _AsosIndex:
    def __init__(self, records: Mapping[int, list[Mapping[str, str]]]) -> None:
        self._records = {stn: sorted(recs, key=_asos_hour) for stn, recs in records.items()}
        self._hours = {stn: [_asos_hour(r) for r in recs] for stn, recs in self._records.items()}

    def hours(self, station: int, first: datetime, last: datetime) -> Sequence[Mapping[str, str]]:
        hours = self._hours.get(station, [])
        lo, hi = bisect.bisect_left(hours, first), bisect.bisect_right(hours, last)
        return self._records.get(station, [])[lo:hi]


class _PvIndex:
    def __init__(self, records: list[PvRecord]) -> None:
        self._records = sorted(records, key=lambda r: (r.day, r.gencd, r.hogi))

    def days(
        self, start: date, end: date, gencd: str | None, hogi: int | None
    ) -> Sequence[PvRecord]:
        return [
            r
            for r in self._records
            if start <= r.day <= end and gencd in (None, r.gencd) and hogi in (None, r.hogi)
        ]


class _WindIndex:
    def __init__(self, records: list[Mapping[str, Any]]) -> None:
        # A stable sort keeps the units in the order the recording lists them.
        self._records = sorted(records, key=lambda r: _parse_day(str(r["dgenYmd"])))

    def days(self, start: date, end: date) -> Sequence[Mapping[str, Any]]:
        return [r for r in self._records if start <= _parse_day(str(r["dgenYmd"])) <= end]


def pv_records_of(
    body: bytes, *, next_day_only: frozenset[tuple[str, int, date]] = frozenset()
) -> list[PvRecord]:
    """The records of a Nambu PV answer (either shape), elements in document order."""
    root = parse_xml(body, source="pv")
    items = root if root.tag == "items" else root.find(".//items")
    if items is None:
        return []
    elements = items.findall("item") or ([items] if len(items) else [])
    records = []
    for element in elements:
        fields = tuple((child.tag, (child.text or "").strip()) for child in element)
        values = dict(fields)
        key = (values["gencd"], int(values["hogi"]), _parse_day(values["ymd"]))
        records.append(PvRecord(key[2], key[0], key[1], fields, key in next_day_only))
    return records


def _items(doc: Any) -> list[Any]:
    item = doc["response"]["body"]["items"]["item"]
    return [item] if isinstance(item, dict) else list(item)


def _wind_content(doc: Any) -> list[Any]:
    key = next(k for k in RESPONSE_KEYS if isinstance(doc.get(k), dict))
    return list(doc[key]["body"]["content"])


@dataclass(frozen=True)
class Catalog:
    """The bundled sample records (``manifest.json`` and the files it lists).

    Every sample file is a success answer in its API's real format (ASOS: one
    station-day; wind: one month; PV: every sample unit of one day); the
    catalog reads their records. ``window`` is the (first, last) day every
    source covers.
    """

    root: Path
    window: tuple[date, date]
    asos: Mapping[int, tuple[Mapping[str, str], ...]]
    wind: tuple[Mapping[str, Any], ...]
    pv: tuple[PvRecord, ...]

    @classmethod
    def load(cls, root: Path | None = None) -> Catalog:
        root = Path(root) if root is not None else DEFAULT_SAMPLES_DIR
        path = root / MANIFEST
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            window = (
                date.fromisoformat(doc["window"]["start"]),
                date.fromisoformat(doc["window"]["end"]),
            )

            def read(entry: Mapping[str, Any]) -> bytes:
                return (root / str(entry["file"])).read_bytes()

            asos: dict[int, list[Mapping[str, str]]] = {}
            for entry in doc["asos"]:
                records = _items(parse_json(read(entry), source="asos"))
                asos.setdefault(int(entry["station"]), []).extend(records)
            wind = [
                r for e in doc["wind"] for r in _wind_content(parse_json(read(e), source="wind"))
            ]
            late = frozenset(
                (str(e["gencd"]), int(e["hogi"]), date.fromisoformat(e["day"]))
                for e in doc["pv_next_day_only"]
            )
            pv = [r for e in doc["pv"] for r in pv_records_of(read(e), next_day_only=late)]
        except FileNotFoundError as exc:
            missing = Path(exc.filename).name if exc.filename else MANIFEST
            raise SourceError(
                f"replay: {missing} not found in {root}; point sources.samples_dir at the sample "
                "records or regenerate them with `uv run python -m sources.samples.generate`"
            ) from None
        except (KeyError, TypeError, ValueError, StopIteration, TransformInputError) as exc:
            raise SourceError(
                f"replay: {path} or a file it lists is not a valid sample: {exc!r}"
            ) from None
        return cls(
            root=root,
            window=window,
            asos={stn: tuple(recs) for stn, recs in asos.items()},
            wind=tuple(wind),
            pv=tuple(pv),
        )

    @property
    def asos_stations(self) -> list[int]:
        return sorted(self.asos)

    @property
    def pv_units(self) -> list[tuple[str, int]]:
        return sorted({(r.gencd, r.hogi) for r in self.pv})

    def emulator(self) -> PortalEmulator:
        """A :class:`PortalEmulator` serving these records."""
        return PortalEmulator(
            asos=_AsosIndex({stn: list(recs) for stn, recs in self.asos.items()}),
            pv=_PvIndex(list(self.pv)),
            wind=_WindIndex(list(self.wind)),
        )


# -- synthetic records of any size (benchmarks, tests) ------------------------------------------


def _noise(*key: int) -> random.Random:
    # Integers hash identically in every process, so the records are reproducible.
    return random.Random(hash(key))


@dataclass(frozen=True)
class SyntheticAsos:
    """Hourly ASOS records of ``stations`` for every hour of ``start``..``end``, made on demand.

    Values follow a diurnal cycle with seeded noise; the field set is the real
    38-field record's (all strings). Ten years of 43 stations cost nothing until
    a page is asked for.
    """

    stations: Sequence[int]
    start: date
    end: date
    seed: int = 0

    def hours(self, station: int, first: datetime, last: datetime) -> Sequence[Mapping[str, str]]:
        if station not in self.stations:
            return []
        lo = max(first, datetime.combine(self.start, datetime.min.time()))
        hi = min(last, datetime.combine(self.end, datetime.min.time()) + timedelta(hours=23))
        count = int((hi - lo).total_seconds() // 3600) + 1 if hi >= lo else 0
        return LazyRecords(count, lambda i: self.record(station, lo + timedelta(hours=i)))

    def record(self, station: int, hour: datetime) -> dict[str, str]:
        rng = _noise(self.seed, station, hour.toordinal(), hour.hour)
        ta = 12.0 - 10.0 * math.cos(2 * math.pi * (hour.timetuple().tm_yday - 15) / 365)
        ta += -math.cos((hour.hour - 3) / 24 * 2 * math.pi) * 4.0 + rng.gauss(0, 0.8)
        hm = min(99.0, max(15.0, 65.0 + rng.gauss(0, 10.0)))
        return _asos_record(station, str(station), hour, f"{ta:.1f}", str(round(hm)))


def _asos_record(station: int, name: str, hour: datetime, ta: str, hm: str) -> dict[str, str]:
    """A 38-field ASOS record (the real field set, in its order); ``""`` values get QC flag 9."""
    return {
        "tm": f"{hour:%Y-%m-%d %H}:00",
        "rnum": "1",
        "stnId": str(station),
        "stnNm": name,
        "ta": ta,
        "taQcflg": "" if ta else "9",
        "rn": "",
        "rnQcflg": "9",
        "ws": "2.1",
        "wsQcflg": "",
        "wd": "270",
        "wdQcflg": "",
        "hm": hm,
        "hmQcflg": "" if hm else "9",
        "pv": "",
        "td": "",
        "pa": "1016.2",
        "paQcflg": "",
        "ps": "1026.6",
        "psQcflg": "",
        "ss": "",
        "ssQcflg": "9",
        "icsr": "",
        "dsnw": "",
        "hr3Fhsc": "",
        "dc10Tca": "0",
        "dc10LmcsCa": "0",
        "clfmAbbrCd": "",
        "lcsCh": "",
        "vs": "2000",
        "gndSttCd": "",
        "dmstMtphNo": "",
        "ts": ta,
        "tsQcflg": "" if ta else "9",
        "m005Te": "",
        "m01Te": "",
        "m02Te": "",
        "m03Te": "",
    }


def pv_fields(
    day: date, gencd: str, hogi: int, name: str, hours: Sequence[str | None]
) -> tuple[tuple[str, str], ...]:
    """The elements of one PV record in the documented order; an hour ``None`` is absent."""
    values = [float(h) for h in hours if h]
    total = sum(values)
    head = [
        ("ymd", day.isoformat()),
        ("gencd", gencd),
        ("ipptnm", name),
        ("hogi", str(hogi)),
        ("qvodgen", f"{total:.1f}"),
        ("qvodavg", f"{total / 24:.2f}"),
        ("qvodmax", f"{max(values, default=0.0):g}"),
        ("qvodmin", f"{min(values, default=0.0):g}"),
    ]
    hourly = [
        (f"qhorgen{n:02d}", text) for n, text in enumerate(hours, start=1) if text is not None
    ]
    return tuple(head + hourly)


@dataclass(frozen=True)
class SyntheticPv:
    """PV records of ``units`` ((gencd, hogi, name)) for every day of ``start``..``end``."""

    units: Sequence[tuple[str, int, str]]
    start: date
    end: date
    seed: int = 0

    def days(
        self, start: date, end: date, gencd: str | None, hogi: int | None
    ) -> Sequence[PvRecord]:
        units = sorted(u for u in self.units if gencd in (None, u[0]) and hogi in (None, u[1]))
        lo, hi = max(start, self.start), min(end, self.end)
        count = ((hi - lo).days + 1) * len(units) if hi >= lo else 0
        n = len(units)
        return LazyRecords(count, lambda i: self.record(lo + timedelta(days=i // n), units[i % n]))

    def record(self, day: date, unit: tuple[str, int, str]) -> PvRecord:
        gencd, hogi, name = unit
        rng = _noise(self.seed, day.toordinal(), hogi, *gencd.encode())
        clear = rng.uniform(0.2, 1.0)
        hours = [
            f"{max(0.0, 900.0 * clear * math.sin((h - 6.5) / 13 * math.pi)):.1f}"
            if 6 < h < 20
            else "0"
            for h in range(1, 25)
        ]
        return PvRecord(day, gencd, hogi, pv_fields(day, gencd, hogi, name, hours))


@dataclass(frozen=True)
class SyntheticWind:
    """Wind records of ``units`` ((ippt, hogi, name)) for every day of ``start``..``end``."""

    units: Sequence[tuple[str, int, str]]
    start: date
    end: date
    seed: int = 0

    def days(self, start: date, end: date) -> Sequence[Mapping[str, Any]]:
        lo, hi = max(start, self.start), min(end, self.end)
        n = len(self.units)
        count = ((hi - lo).days + 1) * n if hi >= lo else 0
        units = self.units
        return LazyRecords(count, lambda i: self.record(lo + timedelta(days=i // n), units[i % n]))

    def record(self, day: date, unit: tuple[str, int, str]) -> dict[str, Any]:
        ippt, hogi, name = unit
        rng = _noise(self.seed, day.toordinal(), hogi, *ippt.encode())
        hours = [round(rng.uniform(0.0, 20000.0), 3) for _ in range(24)]
        return wind_record(day, ippt, hogi, name, hours)


def wind_record(
    day: date, ippt: str, hogi: int, name: str, hours: Sequence[Any], *, dashed: bool = False
) -> dict[str, Any]:
    """A Namdong wind record with the real field set; summaries over the numeric hours."""
    values = [float(h) for h in hours if h not in (None, "")]
    record: dict[str, Any] = {
        "dgenYmd": day.isoformat() if dashed else day.strftime("%Y%m%d"),
        "ippt": ippt,
        "hogi": str(hogi),
        "ipptNam": name,
    }
    record.update({f"qhorGen{n:02d}": v for n, v in enumerate(hours, start=1)})
    top = round(max(values, default=0.0), 3)
    bottom = round(min(values, default=0.0), 3)
    record.update(
        {
            "qsum": round(sum(values), 3),
            "qavg": round(sum(values) / len(values), 3) if values else 0.0,
            "qvodMaxS": top,
            "qvodMinS": bottom,
            "qvodMax": top,
            "qvodMin": bottom,
            "eaidml": None,
            "eaiflag": None,
            "eaimsg": None,
        }
    )
    return record


def iter_days(start: date, end: date) -> Iterator[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)
