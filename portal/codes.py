"""The portal's result codes: which mean success, and how a code is written."""

from __future__ import annotations

from typing import Any

#: The usual result code of a successful portal answer.
OK_CODE = "00"
#: Every result code that means success. The Nambu PV service documents
#: ``800`` / ``NORMAL_SERVICE.`` as its success header where the others send ``00``.
SUCCESS_CODES: frozenset[str] = frozenset({OK_CODE, "800"})
#: Code used when the gateway's envelope carries no ``returnReasonCode``
#: (the portal's own code for "unknown error").
UNKNOWN_CODE = "99"


def code_text(value: Any) -> str:
    """A result code as the portal writes it (``0`` sent as a JSON number -> ``"00"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:02d}"
    return str(value).strip()
