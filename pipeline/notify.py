"""The Slack notification of a finished run, success or failure (counts only, no secrets).

With no webhook configured nothing is attempted. The message is built by
:mod:`notifications.slack`, which redacts every text; the error text in a
summary was already redacted by :func:`pipeline.runtime.describe_error`.
"""

from __future__ import annotations

from notifications.slack import RunSummary, SlackNotifier, SourceCounts
from pipeline.summary import FlowSummary
from registry import Settings


def run_message(settings: Settings, summary: FlowSummary) -> RunSummary:
    """The notification's facts for ``summary``."""
    return RunSummary(
        flow=f"{summary.flow} {summary.period}",
        ok=summary.status == "completed",
        env=settings.env,
        sources={
            summary.source: SourceCounts(fetched=summary.rows_fetched, loaded=summary.rows_loaded)
        },
        gaps_filled=summary.filled_by_method(),
        unfilled=sum(summary.unfilled.values()),
        backends=summary.backends(),
        drift_warnings=list(summary.drift_warnings),
        error=summary.error,
        duration_s=summary.wall_time_s,
    )


def notify_run(settings: Settings, summary: FlowSummary) -> bool:
    """Post the run's outcome; ``False`` if no webhook is set or Slack did not accept it."""
    notifier = SlackNotifier.from_settings(settings)
    if not notifier.enabled:
        return False
    return notifier.send(run_message(settings, summary))
