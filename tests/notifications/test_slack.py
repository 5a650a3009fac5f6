"""Slack notifier against a local webhook: what is posted, when nothing is, and that no secret leaks."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import pytest
import structlog
from pytest_httpserver import HTTPServer

from foundations.settings import NotificationSettings, Settings
from notifications import RunSummary, SlackNotifier, SourceCounts
from sources.redaction import secret_forms
from sources.service_key import ServiceKey

SERVICE_KEY = "Zq9+Wn3/Lp5sKd8fHg2jMx4cVb7nQw1eRt6yUi0oPa+S=="
HOOK_PATH = "/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx"


def summary(**kw: Any) -> RunSummary:
    base: dict[str, Any] = {
        "flow": "weather-daily",
        "ok": True,
        "env": "test",
        "sources": {
            "asos": SourceCounts(fetched=192, loaded=192),
            "pv": SourceCounts(fetched=720, loaded=696),
        },
        "gaps_filled": {"spline": 4, "climatology": 5},
        "unfilled": 1,
        "backends": {
            "impute_missing_values": "rust",
            "asos_to_frame": "python (fallback from rust)",
        },
        "drift_warnings": ["asos: new field 'ws2' (string) not in the baseline"],
        "duration_s": 12.34,
    }
    base.update(kw)
    return RunSummary(**base)


def posted(server: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(req.get_data()) for req, _ in server.log]


def assert_absent(secret: str, *texts: object) -> None:
    for text in texts:
        for form in secret_forms(secret):
            assert form not in str(text)


@pytest.fixture
def client_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def client_text(caplog: pytest.LogCaptureFixture) -> str:
    # The test server's access log (werkzeug) is not the product's; leave it out.
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))


def test_success_payload_carries_the_counts(httpserver: HTTPServer):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data("ok")
    notifier = SlackNotifier(httpserver.url_for(HOOK_PATH))

    assert notifier.send(summary()) is True

    [payload] = posted(httpserver)
    text = payload["text"] + "\n".join(b["text"]["text"] for b in payload["blocks"])
    assert "weather-daily [test] succeeded in 12.3 s" in payload["text"]
    for expected in (
        "asos: 192 / 192",
        "pv: 720 / 696",
        "spline 4",
        "climatology 5",
        "unfilled 1",
        "impute_missing_values → rust",
        "asos_to_frame → python (fallback from rust)",
        "new field 'ws2'",
    ):
        assert expected in text


def test_failure_payload_has_the_error_without_secrets(httpserver: HTTPServer, client_logs):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data("ok")
    webhook = httpserver.url_for(HOOK_PATH)
    ServiceKey(SERVICE_KEY)  # as the sources would have registered it
    error = (
        f"httpx.ConnectError for https://apis.data.go.kr/x?serviceKey={SERVICE_KEY}&pageNo=1 "
        f"while posting to {webhook}; db postgresql://etl:s3cretpw@db:5432/energy"
    )
    notifier = SlackNotifier(webhook)

    with structlog.testing.capture_logs() as logs:
        assert notifier.send(summary(ok=False, error=error)) is True

    [payload] = posted(httpserver)
    body = json.dumps(payload, ensure_ascii=False)
    assert "FAILED" in payload["text"] and "ConnectError" in body
    assert_absent(SERVICE_KEY, body, client_text(client_logs), logs)
    assert_absent(HOOK_PATH.rsplit("/", 1)[1], body, client_text(client_logs), logs, repr(notifier))
    assert "s3cretpw" not in body


def test_nothing_is_attempted_when_the_webhook_is_unset(httpserver: HTTPServer):
    for notifier in (
        SlackNotifier(None),
        SlackNotifier(""),
        SlackNotifier.from_settings(Settings()),
    ):
        assert notifier.enabled is False
        assert notifier.send(summary()) is False
        assert asyncio.run(notifier.asend(summary())) is False
    assert httpserver.log == []


def test_failing_webhook_logs_a_warning_and_does_not_raise(httpserver: HTTPServer, client_logs):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data("no_service", status=404)
    webhook = httpserver.url_for(HOOK_PATH)
    notifier = SlackNotifier.from_settings(NotificationSettings(slack_webhook_url=webhook))

    with structlog.testing.capture_logs() as logs:
        assert notifier.send(summary(ok=False, error="boom")) is False

    [warning] = [e for e in logs if e["event"] == "notify.slack_failed"]
    assert warning["log_level"] == "warning" and "HTTP 404" in warning["reason"]
    assert_absent(HOOK_PATH.rsplit("/", 1)[1], logs, client_text(client_logs))


def test_unreachable_webhook_does_not_raise(client_logs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    webhook = f"http://127.0.0.1:{port}{HOOK_PATH}"
    notifier = SlackNotifier(webhook, timeout_s=1.0)

    with structlog.testing.capture_logs() as logs:
        assert notifier.send(summary()) is False
        assert asyncio.run(notifier.asend(summary())) is False

    assert [e["event"] for e in logs].count("notify.slack_failed") == 2
    assert_absent(HOOK_PATH.rsplit("/", 1)[1], logs, client_text(client_logs))


def test_async_send_posts_the_same_payload(httpserver: HTTPServer):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data("ok")
    notifier = SlackNotifier(httpserver.url_for(HOOK_PATH))

    assert asyncio.run(notifier.asend(summary())) is True
    assert notifier.send(summary()) is True

    first, second = posted(httpserver)
    assert first == second


def test_long_warning_lists_are_cut(httpserver: HTTPServer):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_data("ok")
    warnings = [f"pv: new field 'f{i}' (text) not in the baseline" for i in range(25)]

    SlackNotifier(httpserver.url_for(HOOK_PATH)).send(
        summary(drift_warnings=warnings, error="x" * 10_000)
    )

    [payload] = posted(httpserver)
    texts = [b["text"]["text"] for b in payload["blocks"]]
    assert any("… and 15 more" in t for t in texts)
    assert all(len(t) <= 3000 for t in texts)
