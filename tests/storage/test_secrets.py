"""The database password never reaches reprs, logs or error messages."""

from __future__ import annotations

import pytest
import structlog
from sqlalchemy.engine import URL

from storage import Storage, StorageError, open_engine


@pytest.mark.postgres
def test_fixture_url_and_storage_repr_hide_the_password(pg_url: URL) -> None:
    password = pg_url.password
    assert password
    assert password not in str(pg_url) and password not in repr(pg_url)
    with Storage.from_url(pg_url) as db:
        assert password not in repr(db)
        assert password not in repr(db.engine)
        assert "***" in repr(db)


@pytest.mark.postgres
def test_opening_logs_the_url_without_the_password(pg_url: URL) -> None:
    with structlog.testing.capture_logs() as logs:
        engine = open_engine(pg_url)
        engine.dispose()
    opened = [entry for entry in logs if entry["event"] == "database engine opened"]
    assert opened and "***" in opened[0]["url"]
    assert pg_url.password not in repr(logs)


@pytest.mark.postgres
def test_authentication_failure_names_neither_password(pg_url: URL) -> None:
    wrong = "Wr0ng-pa55word-xyz"
    with Storage.from_url(pg_url.set(password=wrong)) as db, pytest.raises(StorageError) as info:
        db.counts()
    message = "".join(str(e) for e in (info.value, info.value.__cause__))
    assert "password authentication failed" in message
    assert wrong not in message and pg_url.password not in message
    assert "***" in str(info.value)
