"""The data.go.kr service key, in either of the two forms the portal issues.

The portal hands out an "Encoding" key (already percent-encoded, e.g.
``abc%2Bdef%3D%3D``) and a "Decoding" key (plain, ``abc+def==``). The API
wants the plain key percent-encoded exactly once in the query string:

* a key containing ``%`` is taken as already encoded and goes into the query
  string verbatim — encoding it again (``%252B``) makes the portal answer
  code 30, "key not registered";
* any other key goes through the same query-parameter encoding as every other
  parameter (``+`` -> ``%2B``, ``/`` -> ``%2F``, ``=`` -> ``%3D``).

That is why the client builds the query string itself instead of handing the
key to httpx's ``params`` (which would decode and re-encode it).
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from pydantic import SecretStr

from foundations.errors import ConfigError
from sources.redaction import register_secret

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DOUBLE_ENCODED = re.compile(r"%25[0-9A-Fa-f]{2}")
KEY_ENV_VAR = "ENERGY_SOURCES__SERVICE_KEY"


class ServiceKey:
    """A service key that knows its query-string form and never shows itself."""

    __slots__ = ("_secret",)

    def __init__(self, key: str | SecretStr) -> None:
        raw = key.get_secret_value() if isinstance(key, SecretStr) else key
        raw = raw.strip()
        if not raw:
            raise ConfigError(f"the service key is empty; set {KEY_ENV_VAR}")
        if "%" in raw and _BAD_ESCAPE.search(raw):
            raise ConfigError(
                f"the service key contains '%' but is not a valid percent-encoded (Encoding) "
                f"key; set {KEY_ENV_VAR} to the Encoding or the Decoding key exactly as "
                "data.go.kr shows it"
            )
        self._secret = SecretStr(raw)
        register_secret(raw)

    @classmethod
    def from_setting(cls, key: SecretStr | str | None) -> ServiceKey:
        """The key of ``settings.sources.service_key``; a clear error when it is unset."""
        if key is None:
            raise ConfigError(
                f"sources.mode is 'live' but no service key is set; set {KEY_ENV_VAR} "
                "(or use sources.mode = 'replay' to run on the bundled samples)"
            )
        return cls(key)

    @property
    def is_encoded(self) -> bool:
        """True for the portal's "Encoding" form (the key contains ``%``)."""
        return "%" in self._secret.get_secret_value()

    @property
    def looks_double_encoded(self) -> bool:
        """True if the key contains ``%25xx``: an Encoding key that was encoded again."""
        return bool(_DOUBLE_ENCODED.search(self._secret.get_secret_value()))

    def query_value(self) -> str:
        """The key as it goes after ``serviceKey=``: verbatim if encoded, else encoded once."""
        raw = self._secret.get_secret_value()
        return raw if self.is_encoded else quote_plus(raw, safe="")

    def diagnosis(self) -> str:
        """Words about the key's form for a "key not registered" error (never the key)."""
        form = "Encoding (percent-encoded)" if self.is_encoded else "Decoding (plain)"
        text = f"the configured key is in the {form} form"
        if self.looks_double_encoded:
            text += " and contains '%25', so it looks percent-encoded twice"
        return text

    def __repr__(self) -> str:
        return "ServiceKey('**********')"

    __str__ = __repr__
