"""Keeping secrets (service keys, webhook URLs, database passwords) out of text.

Every log line and error message the sources and notifiers produce goes
through :func:`redact`. It removes:

* every registered secret, in each of the forms it may take in a URL (as
  given, percent-encoded, percent-decoded), so an "Encoding" key and its
  "Decoding" twin are both caught;
* anything that looks like a ``serviceKey=...`` query parameter, registered or
  not, because a request URL is the usual way a key leaks;
* the password of a ``scheme://user:password@host`` URL and the path of a
  Slack incoming-webhook URL.

httpx logs every request URL at INFO level on the ``httpx`` logger;
:func:`install_log_filter` puts a redacting filter on that logger (and on
httpcore's), so turning logging up to DEBUG never prints a key.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, quote_plus, unquote

MASK = "***"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)(service_?key=)[^&\s\"'<>]+"), r"\1" + MASK),
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+(@)"), r"\1" + MASK + r"\2"),
    (re.compile(r"(hooks\.slack\.com/)[^\s\"'<>]+"), r"\1" + MASK),
)

# Secrets shorter than this are not registered: masking every "ab" in a log
# would garble it while protecting nothing a real key would be.
_MIN_SECRET_LEN = 6

_lock = threading.Lock()
_secrets: set[str] = set()


def secret_forms(secret: str) -> set[str]:
    """The spellings under which ``secret`` can appear in a URL or a message."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), unquote(secret)}
    forms.add(quote(unquote(secret), safe=""))
    return {f for f in forms if len(f) >= _MIN_SECRET_LEN}


def register_secret(secret: str | None) -> None:
    """Remember ``secret`` (all its URL spellings) so that :func:`redact` masks it everywhere."""
    if not secret:
        return
    with _lock:
        _secrets.update(secret_forms(secret))


def redact(text: object, *secrets: str | None) -> str:
    """``text`` as a string with registered secrets, ``secrets`` and secret-looking parts masked."""
    out = str(text)
    extra: set[str] = set()
    for s in secrets:
        if s:
            extra |= secret_forms(s)
    with _lock:
        known = _secrets | extra
    # Longest first, so a key is not half-masked by one of its own substrings.
    for secret in sorted(known, key=len, reverse=True):
        if secret in out:
            out = out.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        out = pattern.sub(replacement, out)
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; mask what we have
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = ()
        return True


#: Loggers that may print request URLs. Filters do not propagate to child
#: loggers, so httpcore's children are listed one by one.
_URL_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
_filter = RedactingFilter()


def install_log_filter() -> None:
    """Attach the redacting filter to the httpx/httpcore loggers (idempotent)."""
    for name in _URL_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
