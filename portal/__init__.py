"""Portal envelope reading: raw data.go.kr response bodies to parsed documents or PortalError.

The foundation that both the HTTP sources (``sources/``) and the transform
backends (``plugins/``) read portal answers with, so that an error body is
recognised the same way wherever it is seen. The arrows point here: sources and
backends import ``portal``; ``portal`` imports only :mod:`foundations`,
:mod:`foundations.errors`, the standard library and third-party packages (never
``sources``, ``storage``, ``plugins`` or the rust glue;
``tests/portal/test_import_direction.py`` checks it).

The contract:

* **bodies** (:mod:`portal.bodies`): a raw body is ``bytes``, ``bytearray``,
  ``memoryview`` or ``str`` (read as UTF-8); anything else raises
  :class:`foundations.errors.TransformInputError`. Its text is UTF-8, a leading
  byte order mark allowed: any other bytes raise ``TransformInputError`` naming
  the offset of the first invalid byte (:func:`portal.bodies.utf8_text`; the
  rust core writes the same message). Leading whitespace and a byte order
  mark are ignored wherever a body's start is looked at;
* **limits** (:mod:`portal.limits`): a body longer than the caller's byte limit,
  or JSON nesting deeper than its depth limit, is refused with
  ``TransformInputError`` before anything parses it (the messages name
  ``[limits] max_body_bytes`` / ``max_json_depth``; the rust core writes the
  same ones);
* **parsing** (:mod:`portal.parsing`): XML is parsed with :mod:`defusedxml` (a
  DTD or entity declaration is refused, no entity is ever expanded; the decoded
  text is parsed, so an XML declaration's ``encoding`` is not read); JSON with
  :func:`json.loads` after the depth check. A body that does not parse raises
  ``TransformInputError``;
* **result codes** (:mod:`portal.codes`): :data:`SUCCESS_CODES` are ``"00"``
  (:data:`OK_CODE`) and ``"800"`` (the Nambu PV service's ``NORMAL_SERVICE.``).
  Every other code is an error, ``"03"`` (no data) included: telling "no data"
  from "retry" from "fatal" is the caller's business, never a reader's;
* **envelopes** (:mod:`portal.envelope`): a portal error body raises
  :class:`foundations.errors.PortalError` with the portal's code and message. That
  is JSON whose ``response`` (or the misspelt ``reponse``, :data:`RESPONSE_KEYS`)
  object has a ``header.resultCode`` not in :data:`SUCCESS_CODES` (message
  ``header.resultMsg``); XML whose ``header/resultCode`` is not a success code;
  or the gateway's ``<OpenAPI_ServiceResponse><cmmMsgHeader>`` envelope (sent
  with HTTP 200 even when JSON was asked for, so JSON readers check for it too).
  :func:`raise_for_portal_error` only detects (a body that is not a recognisable
  error returns ``None``); :func:`load_json_response` and
  :func:`load_xml_response` also read a success body, refusing anything else
  with ``TransformInputError``.

Reading the data inside a success body (records to columns) is not this
package's job: that belongs to each backend.
"""

from portal.bodies import as_bytes
from portal.codes import OK_CODE, SUCCESS_CODES, UNKNOWN_CODE
from portal.envelope import (
    RESPONSE_KEYS,
    check_json,
    check_xml,
    json_items,
    load_json_response,
    load_xml_response,
    raise_for_portal_error,
)
from portal.limits import DEFAULT_MAX_JSON_DEPTH, check_body_size, check_json_depth, json_depth
from portal.parsing import parse_json, parse_xml

__all__ = [
    "DEFAULT_MAX_JSON_DEPTH",
    "OK_CODE",
    "RESPONSE_KEYS",
    "SUCCESS_CODES",
    "UNKNOWN_CODE",
    "as_bytes",
    "check_body_size",
    "check_json",
    "check_json_depth",
    "check_xml",
    "json_depth",
    "json_items",
    "load_json_response",
    "load_xml_response",
    "parse_json",
    "parse_xml",
    "raise_for_portal_error",
]
