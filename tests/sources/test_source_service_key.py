"""Both forms of the service key reach the server exactly once encoded; the key never leaks."""

from __future__ import annotations

from typing import Any

import pytest
import structlog

from foundations.errors import ConfigError
from foundations.settings import SourceSettings
from sources import open_sources
from sources.errors import FatalPortalError
from sources.redaction import redact
from sources.service_key import ServiceKey

PATH = "/B552520/PwrSunLightInfo/getDataService"
PARAMS = {
    "pageNo": 1,
    "numOfRows": 10,
    "strSdate": "20240130",
    "strEdate": "20240130",
    "strOrgCd": "B997",
    "strHoki": 1,
}
OK = "<response><header><resultCode>00</resultCode></header><body><items/></body></response>"

EXPECTED_QUERY = (
    "serviceKey=Xk7%2BQ2w%2FEe9rT5yU1i8o%2BP0aS3dF6gH%2FjK4lZ7xC2vB5nM9qW1eR3tY6uI0oP%2BaS%3D%3D"
    "&pageNo=1&numOfRows=10&strSdate=20240130&strEdate=20240130&strOrgCd=B997&strHoki=1"
)


def fetch(kit: Any, key: str) -> bytes:
    async def fn(client: Any) -> bytes:
        return await client.get(PATH, PARAMS, source="pv")

    return kit.run(fn, key=key)


def test_plain_key_is_encoded_once(kit):
    kit.expect(PATH).respond_with_data(OK)

    fetch(kit, kit.plain_key)

    assert kit.query_strings() == [EXPECTED_QUERY]


def test_encoded_key_goes_verbatim_never_twice(kit):
    kit.expect(PATH).respond_with_data(OK)

    fetch(kit, kit.encoded_key)

    assert kit.query_strings() == [EXPECTED_QUERY]
    assert "%25" not in kit.query_strings()[0]


def test_encoded_key_with_lowercase_escapes_is_not_normalised(kit):
    lower = kit.encoded_key.replace("%2B", "%2b").replace("%2F", "%2f")
    kit.expect(PATH).respond_with_data(OK)

    fetch(kit, lower)

    assert kit.query_strings()[0].startswith(f"serviceKey={lower}&pageNo=1")


def test_key_with_a_stray_percent_is_refused_without_showing_it():
    with pytest.raises(ConfigError) as info:
        ServiceKey("abc%zz" + "secretpart123")

    assert "secretpart123" not in str(info.value)
    assert "ENERGY_SOURCES__SERVICE_KEY" in str(info.value)


def test_live_mode_without_a_key_is_a_config_error_before_any_request():
    with pytest.raises(ConfigError, match="ENERGY_SOURCES__SERVICE_KEY"):
        open_sources(SourceSettings(mode="live"))


def test_key_object_never_shows_the_key(kit):
    key = ServiceKey(kit.plain_key)

    kit.assert_no_secret(repr(key), str(key), f"{key}", key.diagnosis())


def test_double_encoded_key_error_says_so_without_the_key(kit):
    double = kit.encoded_key.replace("%", "%25")
    kit.expect(PATH).respond_with_data(kit.gateway_error("30"))

    with structlog.testing.capture_logs() as logs, pytest.raises(FatalPortalError) as info:
        fetch(kit, double)

    assert "encoded twice" in str(info.value)
    kit.assert_no_secret(*kit.exception_texts(info.value), logs, secret=double)
    kit.assert_no_secret(*kit.exception_texts(info.value), logs)


@pytest.mark.parametrize("form", ["plain", "encoded"])
def test_redact_masks_every_form_of_a_registered_key(kit, form):
    key = kit.plain_key if form == "plain" else kit.encoded_key
    ServiceKey(key)  # registers the key
    text = f"GET /x?serviceKey={kit.encoded_key}&a=1 and {kit.plain_key} and key={kit.encoded_key}"

    out = redact(text)

    kit.assert_no_secret(out)
    assert "serviceKey=***&a=1" in out


def test_redact_masks_key_params_and_url_passwords_without_registration():
    out = redact("https://h/p?ServiceKey=unregistered123&x=1 postgresql://app:hunter22@db/energy")

    assert "unregistered123" not in out and "hunter22" not in out
    assert "postgresql://app:***@db/energy" in out
