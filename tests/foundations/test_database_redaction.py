"""A database password is masked whatever characters it holds, on every way out of the process.

Each password below holds an unencoded ``@`` next to ``:``, ``/``, ``%`` or
spaces, so SQLAlchemy, libpq and a person cut it in different places and the
driver's errors quote its tail as a host, port or database name. Whatever
leaves the process (a ``StorageError``, a run's error text, the Slack body,
structlog lines) must hold no piece of four characters or more of it.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
import structlog
from pydantic import SecretStr
from pytest_httpserver import HTTPServer

from foundations import redaction
from foundations.log_config import configure_logging
from foundations.redaction import database_url_secrets, redact, redact_database_url
from foundations.settings import LoggingSettings
from pipeline.runtime import describe_error, execute, safe_text
from registry import load_settings
from storage import Storage, StorageError

#: Port 1 on the loopback interface: nothing listens there, the connection is refused at once.
CLOSED = "127.0.0.1:1"

PASSWORDS = [
    pytest.param("PwD_7h3@XTAILSECRET99", id="at"),
    pytest.param("Qz9x:Wk7b@Vx4q:Rm8n", id="colon-at"),
    pytest.param("Jq7v/Zx9w@Kp2v/Vb8m", id="slash-at"),
    pytest.param("Hq5k%zz@Wk3j%2FYt9", id="percent-at"),
    pytest.param("Gx4w Lm8q@Nq7b Tz2k", id="space-at"),
    pytest.param("Pq8v :Xz4/%Rm@Wk9j:Tv%20Qy", id="all-at-once"),
]


def url_with(password: str) -> str:
    return f"postgresql://energy:{password}@{CLOSED}/energy"


def fragments(password: str) -> set[str]:
    """Every 4-character window of the password as written and percent-decoded."""
    return {text[i : i + 4] for text in (password, unquote(password)) for i in range(len(text) - 3)}


def assert_no_fragment(password: str, *texts: object) -> None:
    joined = "\n".join(str(t) for t in texts)
    leaked = sorted(f for f in fragments(password) if f in joined)
    assert not leaked, f"password pieces {leaked} in: {joined}"


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Each test starts with no registered secret, so one test's registration
    # cannot hide another code path's gap.
    monkeypatch.setattr(redaction, "_secrets", set())
    yield


@pytest.mark.parametrize("password", PASSWORDS)
def test_database_url_secrets_cover_every_parse(password: str) -> None:
    found = database_url_secrets(url_with(password))
    assert password in found
    # Every reading of the URL is masked: the one a person makes, and the
    # pieces SQLAlchemy and libpq quote as host, port or database.
    assert_no_fragment(password, redact_database_url(url_with(password)))
    assert_no_fragment(password, redact(f"the tail {password.split('@')[-1]} here", *found))


def test_url_pattern_masks_up_to_the_last_at_before_the_host_and_nothing_else() -> None:
    text = redact("dsn postgresql://user:pa@ss:w/rd@db.internal:5432/x failed")
    assert text == "dsn postgresql://user:***@db.internal:5432/x failed"
    # Greedy up to the last "@" must not reach past the URL, nor mask URLs without one.
    assert redact("postgresql://u:Zq9@Wk7@h/db mail ops@example.org") == (
        "postgresql://u:***@h/db mail ops@example.org"
    )
    assert redact("fetched http://host:8080/path ok") == "fetched http://host:8080/path ok"
    assert database_url_secrets("sqlite:///data/energy.sqlite") == []
    assert database_url_secrets("sqlite:////srv/a@b:c/energy.sqlite") == []


@pytest.mark.parametrize("password", PASSWORDS)
def test_storage_error_shows_no_piece_of_the_password(password: str) -> None:
    # A URL SQLAlchemy cannot parse (the text after a ":" read as a port) fails
    # at opening; the others open and fail on first use.
    texts: list[object] = []
    with (
        structlog.testing.capture_logs() as logs,
        pytest.raises(StorageError) as info,
        Storage.from_url(url_with(password)) as db,
    ):
        texts.append(repr(db))
        db.counts()
    # The traceback a caller would print: the error and whatever it chains.
    printed = "".join(traceback.format_exception(info.value))
    assert_no_fragment(password, printed, logs, *texts)


@pytest.mark.parametrize("password", PASSWORDS)
def test_run_error_text_shows_no_piece_of_the_password(password: str) -> None:
    url = url_with(password)
    settings = load_settings("test", database={"url": SecretStr(url)})
    # What psycopg and SQLAlchemy say about such a URL: its pieces as host and database.
    after_first_at = password.split("@", 1)[1]
    driver = ConnectionError(
        f"failed to resolve host '{after_first_at}@127.0.0.1'; "
        f'database "{password.rsplit("/", 1)[-1]}@{CLOSED}/energy" on {url}'
    )
    assert_no_fragment(password, describe_error(driver, settings))
    assert_no_fragment(password, safe_text(f"cannot connect to {url!r}", settings))


@pytest.mark.parametrize("password", PASSWORDS)
def test_failed_run_notification_and_log_show_no_piece_of_the_password(
    password: str,
    httpserver: HTTPServer,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    settings = load_settings(
        "test",
        data_dir=tmp_path,
        database={"url": SecretStr(url_with(password))},
        notifications={"slack_webhook_url": SecretStr(httpserver.url_for("/hook"))},
        logging={"format": "json"},
    )
    configure_logging(settings.logging)
    try:
        with pytest.raises(StorageError):
            execute("wind_monthly", "wind", "2024-01", settings, lambda ctx: None)
    finally:
        configure_logging(LoggingSettings())
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert len(bodies) == 1 and "FAILED" in json.dumps(bodies[0])
    captured = capsys.readouterr()
    assert "flow.failed" in captured.err
    assert_no_fragment(password, json.dumps(bodies, ensure_ascii=False), captured.err, captured.out)
