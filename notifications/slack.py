"""Slack incoming-webhook notifications of a run's outcome.

What is posted: the flow, success or failure, rows fetched and loaded per
source, gaps filled per method (and rows left unfilled), the backend that ran
each transform, schema-drift warnings, and on failure the error text.
Nothing else: every text goes through :func:`foundations.redaction.redact`, and
the webhook URL (itself a secret) is registered for redaction, so neither it
nor a service key can reach Slack or the logs.

Rules:

* no webhook configured (``notifications.slack_webhook_url`` unset): nothing
  is attempted, :meth:`SlackNotifier.send` returns ``False``;
* a failing webhook (timeout, connection error, non-2xx) logs a warning and
  returns ``False``; it never raises, because a notification must not fail
  the flow whose outcome it reports.

:meth:`SlackNotifier.send` is synchronous (usable from Prefect state hooks);
:meth:`SlackNotifier.asend` is its async twin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from pydantic import SecretStr

from foundations.redaction import install_log_filter, redact, register_secret
from foundations.settings import NotificationSettings, Settings

log = structlog.get_logger("notifications.slack")

#: Slack rejects section texts over 3,000 characters; keep well below.
MAX_SECTION_CHARS = 2800
MAX_LISTED_WARNINGS = 10


@dataclass
class SourceCounts:
    """Rows of one source in a run."""

    fetched: int = 0
    loaded: int = 0


@dataclass
class RunSummary:
    """The facts a notification reports; flows fill it from their run reports."""

    flow: str
    ok: bool
    env: str = ""
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    #: Rows filled per method label (``spline``, ``linear``, ``climatology``, ...).
    gaps_filled: dict[str, int] = field(default_factory=dict)
    unfilled: int = 0
    #: Transform -> backend that ran it (e.g. ``"rust"``, ``"python (fallback from rust)"``).
    backends: dict[str, str] = field(default_factory=dict)
    drift_warnings: list[str] = field(default_factory=list)
    error: str | None = None
    duration_s: float | None = None


def _clip(text: str, limit: int = MAX_SECTION_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_payload(summary: RunSummary) -> dict[str, Any]:
    """The webhook JSON body (``text`` fallback plus ``blocks``), redacted."""
    status = "succeeded" if summary.ok else "FAILED"
    icon = ":white_check_mark:" if summary.ok else ":x:"
    env = f" [{summary.env}]" if summary.env else ""
    took = f" in {summary.duration_s:.1f} s" if summary.duration_s is not None else ""
    headline = f"{icon} {summary.flow}{env} {status}{took}"

    lines: list[str] = []
    if summary.sources:
        lines.append("*Rows* (fetched / loaded)")
        lines += [f"• {name}: {c.fetched:,} / {c.loaded:,}" for name, c in summary.sources.items()]
    if summary.gaps_filled or summary.unfilled:
        filled = ", ".join(f"{m} {n:,}" for m, n in summary.gaps_filled.items()) or "none"
        lines.append(f"*Gaps filled*: {filled}; unfilled {summary.unfilled:,}")
    if summary.backends:
        lines.append("*Backends*: " + ", ".join(f"{t} → {b}" for t, b in summary.backends.items()))
    sections = ["\n".join(lines)] if lines else []
    if summary.drift_warnings:
        shown = summary.drift_warnings[:MAX_LISTED_WARNINGS]
        more = len(summary.drift_warnings) - len(shown)
        text = "*Schema drift warnings*\n" + "\n".join(f"• {w}" for w in shown)
        if more:
            text += f"\n… and {more} more"
        sections.append(text)
    if summary.error:
        sections.append(f"*Error*\n```{_clip(summary.error, MAX_SECTION_CHARS - 20)}```")

    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": redact(_clip(headline))}}
    ]
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": redact(_clip(s))}}
        for s in sections
        if s
    ]
    return {"text": redact(headline), "blocks": blocks}


class SlackNotifier:
    """Posts :class:`RunSummary` messages to a Slack incoming webhook."""

    def __init__(
        self,
        webhook_url: SecretStr | str | None,
        *,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        url = webhook_url.get_secret_value() if isinstance(webhook_url, SecretStr) else webhook_url
        self._url = SecretStr(url.strip()) if url and url.strip() else None
        if self._url is not None:
            register_secret(self._url.get_secret_value())
            # The path alone (/services/T../B../token) is as secret as the URL.
            path = httpx.URL(self._url.get_secret_value()).path
            if path.strip("/"):
                register_secret(path)
            install_log_filter()
        self._timeout = httpx.Timeout(timeout_s)
        self._transport = transport
        self._async_transport = async_transport

    @classmethod
    def from_settings(
        cls, settings: Settings | NotificationSettings, **kwargs: Any
    ) -> SlackNotifier:
        cfg = settings.notifications if isinstance(settings, Settings) else settings
        return cls(cfg.slack_webhook_url, **kwargs)

    @property
    def enabled(self) -> bool:
        return self._url is not None

    def __repr__(self) -> str:
        return f"SlackNotifier(enabled={self.enabled})"

    def send(self, summary: RunSummary) -> bool:
        """Post ``summary``; ``True`` if Slack accepted it. Never raises for a webhook failure."""
        if self._url is None:
            log.debug("notify.slack_disabled", flow=summary.flow)
            return False
        payload = build_payload(summary)
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
                response = client.post(self._url.get_secret_value(), json=payload)
        except httpx.HTTPError as exc:
            return self._failed(summary, f"{type(exc).__name__}: {redact(exc)}")
        return self._outcome(summary, response)

    async def asend(self, summary: RunSummary) -> bool:
        """Async :meth:`send`."""
        if self._url is None:
            log.debug("notify.slack_disabled", flow=summary.flow)
            return False
        payload = build_payload(summary)
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout, transport=self._async_transport
            ) as client:
                response = await client.post(self._url.get_secret_value(), json=payload)
        except httpx.HTTPError as exc:
            return self._failed(summary, f"{type(exc).__name__}: {redact(exc)}")
        return self._outcome(summary, response)

    def _outcome(self, summary: RunSummary, response: httpx.Response) -> bool:
        if response.is_success:
            log.info("notify.slack_sent", flow=summary.flow, ok=summary.ok)
            return True
        reason = f"HTTP {response.status_code}: {_clip(response.text, 200)}"
        return self._failed(summary, reason)

    def _failed(self, summary: RunSummary, reason: str) -> bool:
        log.warning("notify.slack_failed", flow=summary.flow, reason=redact(reason))
        return False
