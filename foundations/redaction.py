"""Keeping secrets (service keys, webhook URLs, database passwords) out of text.

Every log line, error message and notification the project produces goes
through :func:`redact`. It removes:

* every registered secret, in each of the forms it may take in a URL (as
  given, percent-encoded, percent-decoded), so an "Encoding" key and its
  "Decoding" twin are both caught;
* anything that looks like a ``serviceKey=...`` query parameter, registered or
  not, because a request URL is the usual way a key leaks;
* the password of a ``scheme://user:password@host`` URL, whatever characters
  it holds (everything between ``://user:`` and the last ``@`` before the
  host), and the path of a Slack incoming-webhook URL.

Database passwords need more than the URL pattern: a password with an
unencoded ``@``, ``:`` or ``/`` is split differently by SQLAlchemy, libpq and
a person reading the URL, and each driver error then quotes a piece of it as
if it were the host, port or database name. :func:`database_url_secrets` lists
every candidate password and its pieces; :func:`register_database_url` masks
them process-wide. It is the one place this logic lives: storage, the flow
runtime and the CLI all call it.

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

# Characters that end a URL inside free text (whitespace, quotes, angle brackets).
_URL_END = r"\s\"'<>"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)(service_?key=)[^&\s\"'<>]+"), r"\1" + MASK),
    # scheme://user:<anything>@host: greedy up to the LAST "@" that is followed
    # by a host character, so "user:pa@ss:w/rd@host" loses all of "pa@ss:w/rd".
    (
        re.compile(rf"(://[^/{_URL_END}:@]*:)[^{_URL_END}]*@(?=[^{_URL_END}@/])"),
        r"\1" + MASK + "@",
    ),
    (re.compile(r"(hooks\.slack\.com/)[^\s\"'<>]+"), r"\1" + MASK),
)

# Secrets shorter than this are not registered: masking every "ab" in a log
# would garble it while protecting nothing a real key would be.
_MIN_SECRET_LEN = 6

#: Shortest piece of a database password that is masked. Pieces exist because
#: parsers split a password at its "@", ":" or "/" and quote the halves; a
#: piece of four characters or more already tells an attacker too much.
MIN_PASSWORD_PIECE_LEN = 4

# Where URL parsers (SQLAlchemy, libpq, urllib) and their error messages cut a
# password into host, port, path or query text.
_URL_DELIMITERS = re.compile(r"[@:/?#\s]+")

# A password with more delimiter runs than this is masked whole and per token,
# not per span of tokens (the spans grow quadratically).
_MAX_SPAN_TOKENS = 24

_lock = threading.Lock()
_secrets: set[str] = set()


def secret_forms(secret: str, *, min_len: int = _MIN_SECRET_LEN) -> set[str]:
    """The spellings under which ``secret`` can appear in a URL or a message (``min_len`` or longer)."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), unquote(secret)}
    forms.add(quote(unquote(secret), safe=""))
    return {f for f in forms if len(f) >= min_len}


def register_secret(secret: str | None, *, min_len: int = _MIN_SECRET_LEN) -> None:
    """Remember ``secret`` (all its URL spellings) so that :func:`redact` masks it everywhere."""
    if not secret:
        return
    forms = secret_forms(secret, min_len=min_len)
    with _lock:
        _secrets.update(forms)


def redact(text: object, *secrets: str | None) -> str:
    """``text`` as a string with registered secrets, ``secrets`` and secret-looking parts masked.

    Secrets passed here are masked from :data:`MIN_PASSWORD_PIECE_LEN`
    characters on (the caller chose them; pieces of a database password are
    that short); registered ones from their own registration minimum.
    """
    out = str(text)
    extra: set[str] = set()
    for s in secrets:
        if s:
            extra |= secret_forms(s, min_len=MIN_PASSWORD_PIECE_LEN)
    with _lock:
        known = _secrets | extra
    # Longest first, so a key is not half-masked by one of its own substrings.
    for secret in sorted(known, key=len, reverse=True):
        if secret in out:
            out = out.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        out = pattern.sub(replacement, out)
    return out


# -- database URLs ---------------------------------------------------------------------

_SCHEME = re.compile(r"^\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<rest>.*)$", re.DOTALL)


def _raw_password(url: str) -> str | None:
    """The password as a person reads it: between ``://user:`` and the last ``@`` of the URL.

    The last ``@`` (not the first, where SQLAlchemy and libpq cut) because an
    unencoded ``@`` belongs to the password far more often than to a host. An
    ``@`` in the query string makes this over-mask (host included), never under-mask.
    """
    match = _SCHEME.match(url)
    if match is None:
        return None
    rest = match["rest"]
    if rest.startswith("/") or "@" not in rest:  # sqlite:///path: no authority, no password
        return None
    userinfo = rest[: rest.rindex("@")]
    if ":" not in userinfo:
        return None
    return userinfo.split(":", 1)[1] or None


def _sqlalchemy_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url.strip()).password
    except Exception:  # noqa: BLE001 - any parse failure (ArgumentError, ValueError on a port): no candidate
        return None
    return None if password is None else str(password)


def _libpq_password(url: str) -> str | None:
    # libpq reads "postgresql://" URIs itself; SQLAlchemy's "+driver" suffix is
    # not part of its grammar.
    match = _SCHEME.match(url)
    if match is None or not match["scheme"].lower().startswith("postgres"):
        return None
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(f"postgresql://{match['rest']}")
    except Exception:  # noqa: BLE001 - psycopg missing or the URI unparseable: no candidate
        return None
    password = params.get("password")
    return None if password is None else str(password)


def _spans(password: str) -> set[str]:
    """The password and every run of its tokens between URL delimiters ("a@b:c" -> a, b, c, a@b, b:c, ...)."""
    bounds = [(m.start(), m.end()) for m in _URL_DELIMITERS.finditer(password)]
    starts = [0] + [end for _, end in bounds]
    ends = [start for start, _ in bounds] + [len(password)]
    spans = {password}
    if len(bounds) > _MAX_SPAN_TOKENS:
        spans.update(password[s:e] for s, e in zip(starts, ends, strict=True))
        return spans
    for i, s in enumerate(starts):
        for e in ends[i:]:
            if e > s:
                spans.add(password[s:e])
    return spans


def database_url_secrets(url: str) -> list[str]:
    """Every string that can reveal the password of database URL ``url``, longest first.

    Candidates: the password as SQLAlchemy parses it (what the psycopg driver
    receives), as libpq parses the URL without ``+psycopg``, and the raw text
    between ``://user:`` and the last ``@`` (see :func:`_raw_password`). For
    each, the pieces between ``@ : / ? #`` and whitespace (parsers quote them
    as host, port or database), each in its given, percent-decoded and
    percent-encoded spellings, of at least :data:`MIN_PASSWORD_PIECE_LEN`
    characters. A URL without a password (SQLite) gives an empty list; the
    URL text itself is not in the list (callers mask it whole when they hold it).
    """
    candidates = {
        p for p in (_sqlalchemy_password(url), _libpq_password(url), _raw_password(url)) if p
    }
    found: set[str] = set()
    for password in candidates:
        for text in (password, unquote(password)):
            for span in _spans(text):
                found |= secret_forms(span, min_len=MIN_PASSWORD_PIECE_LEN)
    return sorted(found, key=lambda s: (-len(s), s))


def register_database_url(url: str) -> list[str]:
    """Mask the password of ``url`` in every later :func:`redact` of this process; returns the strings."""
    found = database_url_secrets(url)
    for secret in found:
        register_secret(secret, min_len=MIN_PASSWORD_PIECE_LEN)
    return found


def redact_database_url(url: str) -> str:
    """``url`` as it may be shown: its password masked, however the URL was written."""
    return redact(url, *database_url_secrets(url))


# -- logging -----------------------------------------------------------------------------


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is not ours to fix; mask what we have
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
