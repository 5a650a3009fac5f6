"""Secrets a run masks: the whole database URL, and its password on its own."""

from __future__ import annotations

from pydantic import SecretStr

from pipeline.runtime import safe_text, secrets_of
from registry import load_settings


def test_database_password_is_masked_even_without_its_url() -> None:
    url = "postgresql+psycopg://energy:p%40ss%2Fw0rd@db.internal:5432/energy"
    settings = load_settings("test", database={"url": SecretStr(url)})
    assert "p@ss/w0rd" in secrets_of(settings)
    text = safe_text("auth failed for password p@ss/w0rd (url " + url + ")", settings)
    assert "p@ss/w0rd" not in text and "p%40ss" not in text


def test_sqlite_url_has_no_password_to_mask() -> None:
    settings = load_settings("test")
    assert secrets_of(settings) == [settings.database.url.get_secret_value()]
