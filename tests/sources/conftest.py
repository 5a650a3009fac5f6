"""A local portal for the source tests: a threaded HTTP server and recorded-shape bodies.

The server is pytest-httpserver's werkzeug server in threaded mode, so a slow
handler (sleeping past the client's timeout) does not hold up the retry that
follows it, and concurrent requests really overlap. Each test gets its own
path prefix (part of the client's base URL), so a slow handler of an earlier
test that finishes late never shows up in a later test's request log.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote

import pytest
from pytest_httpserver import HTTPServer

from sources.http_client import PortalClient
from sources.redaction import secret_forms
from sources.retry import RetryPolicy
from sources.service_key import ServiceKey

T = TypeVar("T")

#: A "Decoding" (plain) key with every character that needs encoding.
PLAIN_KEY = "Xk7+Q2w/Ee9rT5yU1i8o+P0aS3dF6gH/jK4lZ7xC2vB5nM9qW1eR3tY6uI0oP+aS=="
#: The same key in the portal's "Encoding" form.
ENCODED_KEY = quote(PLAIN_KEY, safe="")


class FakeSleep:
    """Records requested delays instead of sleeping (yields to the loop once)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


_test_ids = itertools.count(1)


class Kit:
    """Builders and checks shared by the source tests."""

    plain_key = PLAIN_KEY
    encoded_key = ENCODED_KEY

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.sleep = FakeSleep()
        self.prefix = f"/t{next(_test_ids)}"
        self.base_url = f"http://{server.host}:{server.port}{self.prefix}"

    def expect(self, path: str, **kw: Any) -> Any:
        """A permanent handler for ``path`` (under this test's prefix)."""
        return self.server.expect_request(self.prefix + path, **kw)

    def expect_once(self, path: str, **kw: Any) -> Any:
        """A one-shot handler; one-shots for the same path answer in registration order."""
        return self.server.expect_oneshot_request(self.prefix + path, **kw)

    # -- client ---------------------------------------------------------------------

    def client(
        self, *, key: str = PLAIN_KEY, base_url: str | None = None, **kw: Any
    ) -> PortalClient:
        options: dict[str, Any] = {
            "timeout_s": 0.3,
            "max_concurrency": 4,
            "requests_per_second": 1000.0,
            "retry": RetryPolicy(
                max_retries=3, base_delay_s=0.001, max_delay_s=0.004, limit_pause_s=0.02
            ),
            "sleep": self.sleep,
            "rng": random.Random(7),
        }
        options.update(kw)
        return PortalClient(
            base_url=base_url or self.base_url, service_key=ServiceKey(key), **options
        )

    def run(self, fn: Callable[[PortalClient], Awaitable[T]], **kw: Any) -> T:
        """Run ``fn(client)`` in a fresh event loop with a client that is closed afterwards."""

        async def main() -> T:
            async with self.client(**kw) as client:
                return await fn(client)

        return asyncio.run(main())

    # -- what the server saw ----------------------------------------------------------

    def requests(self) -> list[Any]:
        return [req for req, _ in self.server.log if req.path.startswith(self.prefix + "/")]

    def query_strings(self) -> list[str]:
        return [req.query_string.decode("ascii") for req in self.requests()]

    def params(self, index: int = -1) -> dict[str, str]:
        """The decoded query parameters of one logged request, without the key."""
        pairs = parse_qsl(self.query_strings()[index], keep_blank_values=True)
        return {k: v for k, v in pairs if k != "serviceKey"}

    # -- bodies -------------------------------------------------------------------------

    @staticmethod
    def json_body(doc: Any) -> str:
        return json.dumps(doc, ensure_ascii=False)

    @staticmethod
    def json_error(code: str, message: str = "ERROR") -> str:
        return json.dumps({"response": {"header": {"resultCode": code, "resultMsg": message}}})

    @staticmethod
    def gateway_error(code: str, auth_msg: str = "SERVICE_KEY_IS_NOT_REGISTERED_ERROR") -> str:
        return (
            "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
            f"<returnAuthMsg>{auth_msg}</returnAuthMsg><returnReasonCode>{code}</returnReasonCode>"
            "</cmmMsgHeader></OpenAPI_ServiceResponse>"
        )

    @staticmethod
    def xml_error(code: str, message: str = "NODATA_ERROR") -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?><response><header>'
            f"<resultCode>{code}</resultCode><resultMsg>{message}</resultMsg></header></response>"
        )

    # -- secrets ------------------------------------------------------------------------

    @staticmethod
    def exception_texts(exc: BaseException) -> list[str]:
        return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]

    @staticmethod
    def assert_no_secret(*texts: object, secret: str = PLAIN_KEY) -> None:
        forms = secret_forms(secret)
        for text in texts:
            s = str(text)
            for form in forms:
                assert form not in s, "a form of the secret leaked"


@pytest.fixture(scope="session")
def portal_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def portal(portal_server: HTTPServer) -> Iterator[HTTPServer]:
    portal_server.clear()
    yield portal_server
    portal_server.clear()


@pytest.fixture
def kit(portal: HTTPServer) -> Kit:
    return Kit(portal)


class ClientLogs:
    """The stdlib log records of the client side (httpx, httpcore, ours) at DEBUG.

    The test server's own access log (werkzeug) is left out: it prints the
    request line it received, key included, and is not part of the product.
    """

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def records(self) -> list[logging.LogRecord]:
        return [r for r in self._caplog.records if not r.name.startswith("werkzeug")]

    @property
    def text(self) -> str:
        return "\n".join(f"{r.name} {r.levelname} {r.getMessage()}" for r in self.records)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> ClientLogs:
    """Client-side log records at DEBUG (httpx logs every request URL at INFO)."""
    caplog.set_level(logging.DEBUG)
    return ClientLogs(caplog)
