"""PortalClient against a real local HTTP server: retries, typed errors, limits, redaction."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import pytest
import structlog
from werkzeug import Request, Response

from foundations.errors import EnergyError, PortalError
from sources.errors import (
    FatalPortalError,
    HTTPStatusSourceError,
    NoDataError,
    RetryablePortalError,
    SourceError,
    SourceUnavailableError,
    UnexpectedPortalError,
)
from sources.retry import RetryPolicy

PATH = "/1360000/AsosHourlyInfoService/getWthrDataList"
PARAMS = {"pageNo": 1, "numOfRows": 999, "dataType": "JSON", "stnIds": 108}
OK = (
    '{"response":{"header":{"resultCode":"00","resultMsg":"NORMAL_SERVICE"},'
    '"body":{"totalCount":0}}}'
)


def get(kit: Any, **client_kw: Any) -> bytes:
    async def fn(client: Any) -> bytes:
        return await client.get(PATH, PARAMS, source="asos")

    return kit.run(fn, **client_kw)


def failure(kit: Any, exc_type: type[BaseException], **client_kw: Any) -> BaseException:
    with structlog.testing.capture_logs() as logs, pytest.raises(exc_type) as info:
        get(kit, **client_kw)
    kit.assert_no_secret(*kit.exception_texts(info.value), logs)
    return info.value


# -- transient failures -------------------------------------------------------------


def test_500_then_200_is_retried(kit):
    kit.expect_once(PATH).respond_with_data("oops", status=500)
    kit.expect_once(PATH).respond_with_data(OK, content_type="application/json")

    assert get(kit) == OK.encode()
    assert len(kit.requests()) == 2
    assert len(kit.sleep.delays) == 1


def test_persistent_5xx_gives_up_after_the_retry_budget(kit):
    kit.expect(PATH).respond_with_data("unavailable", status=503)

    err = failure(kit, SourceUnavailableError)

    assert len(kit.requests()) == 4  # max_retries=3 -> 4 attempts
    assert "after 4 attempts" in str(err) and "HTTP 503" in str(err)
    assert isinstance(err, EnergyError)


def test_429_honours_retry_after(kit):
    kit.expect_once(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    kit.expect_once(PATH).respond_with_data(OK)

    assert get(kit) == OK.encode()
    assert kit.sleep.delays == [7.0]


def test_retry_after_is_capped(kit):
    kit.expect_once(PATH).respond_with_data("", status=429, headers={"Retry-After": "86400"})
    kit.expect_once(PATH).respond_with_data(OK)

    get(kit, retry=RetryPolicy(max_retries=2, base_delay_s=0.001, max_retry_after_s=120.0))

    assert kit.sleep.delays == [120.0]


def test_backoff_delays_are_full_jitter_within_the_exponential_ceiling(kit):
    kit.expect(PATH).respond_with_data("", status=502)
    policy = RetryPolicy(max_retries=4, base_delay_s=0.001, max_delay_s=0.003)

    failure(kit, SourceUnavailableError, retry=policy)

    ceilings = [0.001, 0.002, 0.003, 0.003]
    assert len(kit.sleep.delays) == 4
    assert all(0.0 <= d <= c for d, c in zip(kit.sleep.delays, ceilings, strict=True))


def test_slow_response_past_the_timeout_is_retried(kit):
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(OK)

    kit.expect_once(PATH).respond_with_handler(slow)
    kit.expect_once(PATH).respond_with_data(OK)

    async def fn(client: Any) -> tuple[bytes, Any]:
        return await client.get(PATH, PARAMS, source="asos"), client.stats

    body, stats = kit.run(fn, timeout_s=0.2)

    assert body == OK.encode()
    assert stats.requests == 2
    assert stats.retry_reasons == {"timeout (ReadTimeout)": 1}


def test_timeouts_that_persist_raise_without_the_key(kit, debug_logs):
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response(OK)

    kit.expect(PATH).respond_with_handler(slow)

    err = failure(
        kit,
        SourceUnavailableError,
        timeout_s=0.1,
        retry=RetryPolicy(max_retries=1, base_delay_s=0.001),
    )

    assert "timeout" in str(err)
    kit.assert_no_secret(debug_logs.text)


def test_connection_refused_is_retried_then_reported_without_the_key(kit, debug_logs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The port is closed now: every connect is refused.
    err = failure(kit, SourceUnavailableError, base_url=f"http://127.0.0.1:{port}")

    assert "connection error" in str(err)
    assert len(kit.sleep.delays) == 3
    kit.assert_no_secret(debug_logs.text)


# -- portal error bodies ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["01", "02", "04", "05"])
def test_retryable_portal_codes_are_retried(kit, code):
    kit.expect_once(PATH).respond_with_data(kit.json_error(code))
    kit.expect_once(PATH).respond_with_data(OK)

    assert get(kit) == OK.encode()
    assert len(kit.requests()) == 2


def test_code_22_waits_the_limit_pause(kit):
    kit.expect_once(PATH).respond_with_data(
        kit.json_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
    )
    kit.expect_once(PATH).respond_with_data(OK)

    assert get(kit) == OK.encode()
    assert kit.sleep.delays == [0.02]  # limit_pause_s of the test policy


def test_retryable_portal_code_that_persists_raises_typed(kit):
    kit.expect(PATH).respond_with_data(kit.json_error("05", "SERVICETIME_OUT"))

    err = failure(kit, RetryablePortalError)

    assert err.code == "05" and isinstance(err, PortalError)
    assert "4 attempts" in str(err)


@pytest.mark.parametrize(
    ("code", "fix_words"),
    [
        ("10", "invalid request parameter"),
        ("11", "missing mandatory parameter"),
        ("12", "ENERGY_SOURCES__BASE_URL"),
        ("20", "access denied"),
        ("21", "temporarily disabled"),
        ("30", "ENERGY_SOURCES__SERVICE_KEY"),
        ("31", "expired"),
        ("32", "IP"),
        ("33", "unsigned call"),
    ],
)
def test_fatal_codes_fail_at_once_naming_code_and_fix(kit, code, fix_words):
    kit.expect(PATH).respond_with_data(kit.json_error(code, "SOME_PORTAL_TEXT"))

    err = failure(kit, FatalPortalError)

    assert err.code == code
    assert f"portal error {code}" in str(err) and fix_words in str(err)
    assert err.fix and fix_words in err.fix
    assert len(kit.requests()) == 1
    assert kit.sleep.delays == []


def test_gateway_xml_envelope_with_http_200_on_a_json_request(kit):
    kit.expect(PATH).respond_with_data(
        kit.gateway_error("30"), status=200, content_type="text/xml;charset=UTF-8"
    )

    err = failure(kit, FatalPortalError)

    assert err.code == "30"
    assert "SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in str(err)
    assert "Decoding (plain) form" in str(err)  # the hint names the key's form, never the key
    assert len(kit.requests()) == 1


def test_gateway_envelope_with_a_4xx_status_is_still_classified(kit):
    kit.expect(PATH).respond_with_data(
        kit.gateway_error("31", "SERVICE_KEY_IS_EXPIRED"), status=401
    )

    err = failure(kit, FatalPortalError)

    assert err.code == "31"


def test_gateway_rate_limit_envelope_is_retried(kit):
    kit.expect_once(PATH).respond_with_data(
        kit.gateway_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
    )
    kit.expect_once(PATH).respond_with_data(OK)

    assert get(kit) == OK.encode()
    assert kit.sleep.delays == [0.02]


def test_no_data_is_its_own_type_and_not_retried(kit):
    kit.expect(PATH).respond_with_data(kit.json_error("03", "NO_DATA"))

    err = failure(kit, NoDataError)

    assert err.code == "03"
    assert not isinstance(err, FatalPortalError | RetryablePortalError)
    assert len(kit.requests()) == 1


def test_unknown_code_is_not_retried(kit):
    kit.expect(PATH).respond_with_data(kit.gateway_error("99", "UNKNOWN_ERROR"))

    err = failure(kit, UnexpectedPortalError)

    assert err.code == "99"
    assert len(kit.requests()) == 1


def test_plain_404_is_a_status_error_not_retried(kit):
    kit.expect(PATH).respond_with_data("Not Found", status=404)

    err = failure(kit, HTTPStatusSourceError)

    assert err.status == 404
    assert len(kit.requests()) == 1


def test_a_request_error_that_is_not_transient_is_wrapped_without_the_key(kit):
    err = failure(kit, SourceError, base_url="ftp://127.0.0.1:9")

    assert "UnsupportedProtocol" in str(err)


# -- concurrency bound and rate limit ----------------------------------------------------------


def test_concurrency_bound_holds_server_side(kit):
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def handler(request: Request) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return Response(OK)

    kit.expect(PATH).respond_with_handler(handler)

    async def fn(client: Any) -> list[bytes]:
        return await asyncio.gather(*(client.get(PATH, PARAMS, source="asos") for _ in range(12)))

    bodies = kit.run(fn, max_concurrency=3, timeout_s=5.0)

    assert len(bodies) == 12
    assert len(kit.requests()) == 12
    assert 1 <= state["max"] <= 3


def test_client_counts_requests_and_retries(kit):
    kit.expect_once(PATH).respond_with_data("", status=500)
    kit.expect_once(PATH).respond_with_data(kit.json_error("01"))
    kit.expect_once(PATH).respond_with_data(OK)

    async def fn(client: Any) -> Any:
        await client.get(PATH, PARAMS, source="asos")
        return client.stats

    stats = kit.run(fn)

    assert stats.requests == 3 and stats.retries == 2
    assert stats.retry_reasons == {"HTTP 500": 1, "portal code 01": 1}


def test_logs_never_carry_the_key_even_at_debug(kit, debug_logs):
    kit.expect_once(PATH).respond_with_data("", status=500)
    kit.expect_once(PATH).respond_with_data(OK)

    with structlog.testing.capture_logs() as logs:
        get(kit, key=kit.encoded_key)

    assert any(r.name == "httpx" for r in debug_logs.records)  # httpx did log the request...
    assert "serviceKey=***" in debug_logs.text  # ...with the key masked
    kit.assert_no_secret(debug_logs.text, logs)
    assert any(e["event"] == "source.retry" for e in logs)


def test_retry_log_line_names_attempt_reason_and_server_imposed_delay(kit):
    kit.expect_once(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    kit.expect_once(PATH).respond_with_data(
        kit.json_error("22", "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR")
    )
    kit.expect_once(PATH).respond_with_data(OK)

    with structlog.testing.capture_logs() as logs:
        assert get(kit) == OK.encode()

    retries = [e for e in logs if e["event"] == "source.retry"]
    assert [(e["attempt"], e["reason"], e["delay_s"]) for e in retries] == [
        (1, "HTTP 429", 7.0),
        (2, "portal code 22", 0.02),  # the limit pause, not the backoff and not their sum
    ]
    assert all(e["source"] == "asos" and e["request"].startswith(f"GET {PATH} (") for e in retries)
    assert kit.sleep.delays == [7.0, 0.02]
    assert all(type(d) is float for d in kit.sleep.delays)


def test_backoff_delays_are_reproducible_from_the_injected_rng(kit):
    kit.expect(PATH).respond_with_data("", status=502)

    failure(kit, SourceUnavailableError)
    first = list(kit.sleep.delays)
    kit.sleep.delays.clear()
    failure(kit, SourceUnavailableError)  # the kit's client: rng=random.Random(7)

    assert len(first) == 3 and kit.sleep.delays == first


def test_final_error_is_typed_not_the_retry_librarys(kit):
    kit.expect(PATH).respond_with_data("", status=503)

    err = failure(kit, SourceUnavailableError)

    # Neither tenacity's RetryError nor the client's internal failure type is
    # raised or chained: the caller sees one typed error.
    assert err.__cause__ is None and err.__suppress_context__
    text = "".join(kit.exception_texts(err))
    assert "During handling of the above exception" not in text
    assert "direct cause of the following exception" not in text
    assert "RetryError" not in text and "_RetryableFailure" not in text
