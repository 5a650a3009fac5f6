"""The transform contracts, one pluggy hook spec each.

These docstrings are the contract every backend implements (the full text with
the reasoning is ``docs/contracts/transforms.md``). A backend is a plugin module
that marks its functions with :data:`hookimpl`; the registry calls one
backend's implementation at a time, never all of them.

Rules for every transform:

* it is pure: it never mutates its inputs and does no I/O, so a fallback to
  another backend on the same input is always safe;
* malformed input raises :class:`foundations.errors.TransformInputError` with a
  message naming the offending rows, columns or fields;
* an error body from the portal raises :class:`foundations.errors.PortalError`;
* two backends' outputs must be equal under the equivalence rule
  (:mod:`registry.equivalence`): same rows, order, columns and dtypes, key
  columns exactly equal, floats within ``1e-9 * max(1, |a|)``, NaN in the same
  places, equal reports;
* T2-T5 take ``limits``, a :class:`foundations.settings.LimitSettings` (callers
  pass ``settings.limits``; ``None``, the default, means its defaults). Input
  beyond a limit raises ``TransformInputError`` before any heavy work, with a
  message naming the limit, the value found and the setting to change
  (``[limits] <field>`` / ``ENERGY_LIMITS__<FIELD>``), the same message in
  every backend. ``max_body_bytes`` bounds a raw body of T3-T5 (record lists
  are not measured); ``max_json_depth`` bounds the nesting of a JSON body of
  T3/T5, measured without recursion before the body is parsed (brackets
  outside strings; see ``portal/limits.py``);
  ``max_columns`` bounds the columns of T2's frame and history;
* bodies (T3-T5) are UTF-8, a leading UTF-8 byte-order mark allowed; any
  other bytes raise ``TransformInputError``: ``<transform>: body is not UTF-8
  (invalid byte at offset {n}); the portal sends UTF-8, so re-fetch the answer
  or convert it to UTF-8`` (``n``: 0-based offset of the first invalid byte in
  the body as given). An XML declaration's ``encoding`` is not read. JSON
  numbers and keys follow Python's ``json``: ``NaN``/``Infinity`` are
  numbers, an integer beyond float range is +-inf, of repeated keys the last
  wins;
* scalar fields (T3-T5): every field a transform reads holds a string, number,
  boolean or null (JSON) or text (XML). An object or array raises
  ``TransformInputError``: ``<transform>: field {name!r} of record {i} holds a
  JSON {object|array}; a string, number or null is expected``; an XML field
  element with child elements: ``... holds XML elements; text is expected``
  (``i``: the record's 0-based position in its body's record list). Text
  fields (codes and names) also refuse booleans and non-integral numbers (``...
  a text field takes a string, an integer or null``); an integer reads as its
  digits, null as ``""``. Fields are checked first, record by record, in each
  hook's listed order;
* batches of bodies (T3-T5): ``payload`` may be a sequence of raw bodies
  (``bytes``/``str`` elements; T3/T4 tell it from a list of record dicts by
  the element type). The output equals the single-body transform on all the
  bodies' records in body order as if they were one body: T3/T4 sort across
  bodies, T3 de-duplicates across them (the last wins), T5 keeps body then
  item order; reports add up; an empty sequence gives an empty output with the
  right columns and dtypes. Each body is read and checked as it would be alone
  (limits per body, positions within the body); the first failing body raises
  the error it would raise alone, with ``body {i}: `` before the message (a
  ``PortalError`` keeps ``code``; the prefix goes before ``message``) and
  ``body_index = i`` on the exception;
* corrupted numbers: a numeric value given as a string that still holds a C0
  control character (U+0000-U+001F) once the whitespace around a number
  (space, tab, LF, VT, FF, CR) is stripped from both ends -- ``"5\x002"`` --
  raises ``TransformInputError`` naming where it is (row, or record/item
  position and field). This is the one exception to "empty strings and
  non-numbers are NaN" below.

Dtypes named below: ``str`` is pandas' default string dtype (what
``pd.Series(list_of_python_str)`` infers); timestamps are ``datetime64[ns]``,
naive, Korean wall-clock time (KST, UTC+9, no DST).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pluggy

from foundations.settings import LimitSettings
from registry.contracts import BackendInfo, ImputeOptions, TransformOutput

PROJECT_NAME = "energy"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def energy_backend_info() -> BackendInfo:
    """Handshake: the backend's name, version, contract version and claimed transforms.

    ``api_version`` must equal :data:`registry.contracts.API_VERSION`; otherwise
    the registry lists the backend as absent with the mismatch as the reason.
    ``transforms`` must name exactly the transform hooks the plugin implements.
    """


@hookspec
def find_missing_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T1: the maximal runs of NaN in a 1-D float64 array.

    Returns ``(starts, lengths)``: two int64 arrays, runs in ascending order of
    start. An empty input, or one without NaN, gives two empty int64 arrays.
    Input that is not 1-D or not convertible to float64 raises
    ``TransformInputError``.
    """


@hookspec
def impute_missing_values(
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    """T2: fill the gaps of ``options.columns`` per station, without feeding fills into fills.

    First, a ``frame`` or ``history`` with more than ``limits.max_columns``
    columns raises ``TransformInputError`` (before any column is read).

    Per station ``s`` and column ``c``, with ``S`` the rows of ``s`` in ascending
    time (x = hours since the epoch of the KST wall-clock timestamp):

    1. Time values are datetime64 or strings like ``2024-01-31 13:00``; naive is
       KST, tz-aware is converted to Asia/Seoul. Unparseable times, empty
       station values and duplicate (station, time) pairs raise
       ``TransformInputError`` naming the rows (0-based positions); a missing
       time, station or value column raises it naming the column.
    2. Values are coerced to float (empty strings, non-numbers -> NaN); a
       string holding a control character (module rule: ``"5\x002"``) raises
       ``TransformInputError`` naming the column and rows instead.
       "Observed" always means the input's values: fills never feed fills.
    3. A gap is a maximal run of NaN rows of ``S``.
    4. Interior gap of length <= ``max_spline_gap``: with >= 4 observed points,
       the not-a-knot cubic spline through all observed points of ``S``
       (scipy ``CubicSpline(x, y)``); with 2 or 3, linear interpolation between
       the two neighbouring observed points.
    5. Edge gap of length <= ``max_spline_gap``: the nearest observed value.
    6. Longer gaps (and a series with no observed value): the mean of the
       observed values of (s, c) sharing the row's (month, day, hour); else the
       mean of all observed values of (s, c); else of column c over all
       stations; else the row stays NaN (unfilled). Here only, rows of
       ``history`` (same station/time/value columns) count as observed values.
    7. Output ``frame``: the input's rows, order, index and columns, filled
       columns float64, other columns untouched. ``report``:
       ``{column: {station: {"gaps_by_length": {length: count},
       "methods": {label: rows}, "unfilled": rows}}}`` where labels are
       ``FillMethod`` labels other than ``observed``/``unfilled`` with a
       non-zero count. ``methods`` (only if ``options.with_methods``): per
       column an int8 array of ``FillMethod`` codes in input row order.

    Batching: the output for a gap depends only on the series T2 is given. The
    weather flow gives it the observed values stored within
    2 x ``pipeline.impute_context_hours`` of a run's range (fills read back as
    NaN) and rewrites the stored fills within ``impute_context_hours``, so the
    fills of gaps up to ``max_spline_gap`` hours are the same (within 1e-9
    relative) whether the days were loaded daily or in one range: a spline's
    dependence on far points decays by about 0.27 per knot. Rule 6 fills use
    the evidence present at the last run near them and may differ
    (docs/weather_fills.md).
    """


@hookspec
def wind_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    hour_label: str,
    limits: LimitSettings | None = None,
) -> TransformOutput:
    """T3: Namdong wind hourly records (wide, 24 hour columns) to one row per hour.

    ``payload`` is one page's raw JSON body, a sequence of raw bodies (a batch,
    module rule: sorted and de-duplicated across bodies) or a list of record
    dicts (told apart by the element type: dicts are records). The
    body's top-level key is the misspelt ``reponse`` in real answers
    (``response`` is accepted too); records are at ``.body.content``; a
    ``header`` may be absent, and when present its ``resultCode`` must be a
    success code (``00`` or ``800``); ``totalCount`` is absent and never read.
    Fields: ``dgenYmd`` (``YYYYMMDD`` or ``YYYY-MM-DD``), ``ippt``, ``hogi``
    (an integer or a string such as ``"1"``), ``ipptNam``, ``qhorGen01`` ..
    ``qhorGen24`` (number, numeric string, empty string or null; empty/null ->
    NaN; a string with a control character raises ``TransformInputError`` naming
    the first such record position and field). A raw body over
    ``limits.max_body_bytes`` or nesting deeper than ``limits.max_json_depth``
    raises it before parsing. Other fields (``qsum``, ``qavg``, ``qvodMax``, ``qvodMin``,
    ``qvodMaxS``, ``qvodMinS``, ``eaidml``, ``eaiflag``, ``eaimsg``) are ignored.
    Scalar fields, checked in this order: ``qhorGen01`` .. ``qhorGen24``,
    ``dgenYmd``, ``ippt``, ``hogi``, ``ipptNam``; text fields: ``ippt``, ``ipptNam``.

    Output columns, sorted by (plant_code, unit, timestamp), stable:
    ``timestamp`` datetime64[ns], ``plant_code`` str, ``unit`` int64,
    ``plant_name`` str (``f"{ipptNam} {hogi}"`` stripped), ``generation`` float64.
    ``hour_label="end"`` (default): label N -> day + (N-1) h (interval start).
    ``hour_label="legacy"``: label N -> day + N h (label 24 = next day 00:00).

    ``report``: ``records`` (input records), ``rows`` (output rows),
    ``dropped_bad_date`` (records whose date does not parse; dropped, never
    silently), ``duplicates`` (rows removed because a later record had the same
    (plant_code, unit, timestamp); the last one wins). A page without records
    (``content`` missing, null or empty: the end of paging) gives an empty
    frame. Records with records but no ``qhorGen*`` field at all raise
    ``TransformInputError``; so do a kept record with an empty ``ippt`` or a
    non-integer ``hogi`` (named by position), and an unknown ``hour_label``.
    ``plant_name`` uses the parsed unit (``"01"`` -> ``1``); a null name is ``""``.
    A header with any other result code, or the gateway's XML envelope, raises
    ``PortalError`` with the portal's code and message.
    """


@hookspec
def pv_to_long(
    payload: bytes | Sequence[bytes | str] | Sequence[dict[str, Any]],
    limits: LimitSettings | None = None,
) -> TransformOutput:
    """T4: Nambu PV per plant/unit/day XML to one row per hour.

    ``payload`` is the raw XML body, a sequence of raw bodies (a batch, module
    rule: sorted across bodies) or a list of item dicts (told apart by the
    element type: dicts are items). Both shapes are
    read: ``<items><item>..</item>..</items>`` and a single record directly
    under ``<items>``. Fields: ``ymd`` (``YYYY-MM-DD`` in documented answers,
    ``YYYYMMDD`` in older ones; both valid), ``hogi``, ``gencd``, ``ipptnm``,
    ``qvodgen``, ``qvodavg``, ``qvodmax``, ``qvodmin``, ``qhorgen01`` ..
    ``qhorgen24``. The paging elements inside ``<body>`` after ``<items>``
    (``numOfRows``, ``pageNo``, and the record count ``totalCnt``, ``totalCount``
    in older answers) are ignored. XML with a DTD or entity declarations is
    refused (``TransformInputError``): no entity is ever expanded. A raw body over
    ``limits.max_body_bytes`` is refused before parsing; a numeric field of a valid
    item holding a control character raises ``TransformInputError`` naming the
    first such item position and field (hourly fields before daily ones).
    Scalar fields, checked in this order: ``qhorgen01`` .. ``qhorgen24``,
    ``qvodgen``, ``qvodavg``, ``qvodmax``, ``qvodmin``, ``ymd``, ``hogi``,
    ``gencd``, ``ipptnm``; text fields: ``gencd``, ``ipptnm``.

    Output columns, sorted by (gencd, hogi, datetime), stable: ``datetime``
    datetime64[ns] (ymd + (N-1) h), ``gencd`` str, ``plant_name`` str, ``hogi``
    Int64, ``generation``, ``daily_total`` (qvodgen), ``daily_avg``,
    ``daily_max``, ``daily_min`` float64. A missing hourly value is NaN, not 0.

    ``report``: ``items``, ``rows``, ``dropped_invalid`` (items without a valid
    date, plant code or unit). Items are not de-duplicated: equal keys keep
    their input order. The success header is ``resultCode`` ``800`` with
    ``resultMsg`` ``NORMAL_SERVICE.`` (this service's documented answer) or
    ``00``; an error body (any other ``resultCode``, or an
    ``OpenAPI_ServiceResponse`` envelope with its ``returnReasonCode``) raises
    ``PortalError`` with the code and message; it is never read as "no data".
    """


@hookspec
def asos_to_frame(
    payload: bytes | Sequence[bytes | str],
    fields: Sequence[str],
    limits: LimitSettings | None = None,
) -> TransformOutput:
    """T5: KMA ASOS hourly JSON to a frame, one row per item in payload order.

    ``payload`` is the raw JSON body or a sequence of them (a batch, module
    rule: body order, then item order). Items are at ``response.body.items.item`` (a list, or a single object);
    every value comes as a string, ``""`` being a missing observation (its QC
    flag is ``"9"``). The paging fields of ``body`` (``pageNo``, ``numOfRows``,
    ``totalCount``, JSON numbers; absent from a lone record) are not read.

    Output columns: ``tm`` datetime64[ns] (from ``YYYY-MM-DD HH:MM``, KST),
    ``stnId`` int64, ``stnNm`` str, then each of ``fields`` as float64 (an
    empty string is NaN; a value with a control character raises
    ``TransformInputError`` naming the first such field, in ``fields`` order, and
    its first such item; a lacking field or a bad ``tm``/``stnId`` is reported
    first). A body over ``limits.max_body_bytes`` or nesting deeper than
    ``limits.max_json_depth`` raises it before parsing. A requested field that
    any item lacks raises ``TransformInputError`` naming it and the item positions, as do an
    unparseable ``tm`` or ``stnId`` and ``fields`` that repeat a name or name
    a key column or are not identifiers (ASCII letters, digits, ``_``); scalar
    fields, checked in this order: ``tm``, ``stnId``, ``stnNm``, then ``fields``;
    text field: ``stnNm``. An error body (``resultCode`` other than the success codes
    ``00`` and ``800``, or the gateway's XML envelope even with HTTP 200, its
    code being ``returnReasonCode``) raises ``PortalError``. A success body with no items gives an empty frame with the
    same columns and dtypes. ``report``: ``items``, ``rows``.
    """


#: The transform hooks, in contract order (T1..T5). The handshake hook is not one.
TRANSFORMS: tuple[str, ...] = (
    "find_missing_runs",
    "impute_missing_values",
    "wind_to_long",
    "pv_to_long",
    "asos_to_frame",
)

#: The transforms that take ``limits`` (they read untrusted input: T2-T5).
LIMITED_TRANSFORMS: frozenset[str] = frozenset(
    {"impute_missing_values", "wind_to_long", "pv_to_long", "asos_to_frame"}
)
