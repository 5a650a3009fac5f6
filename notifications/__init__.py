"""Run notifications (Slack incoming webhook); see :mod:`notifications.slack`."""

from notifications.slack import RunSummary, SlackNotifier, SourceCounts, build_payload

__all__ = ["RunSummary", "SlackNotifier", "SourceCounts", "build_payload"]
