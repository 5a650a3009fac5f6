"""The command an operator runs to fetch again what a run could not."""

from __future__ import annotations

from datetime import date


def retry_command(source: str, start: date, end: date) -> str:
    """``energy backfill`` over the same days: it asks only for what is still incomplete."""
    return f"energy backfill --source {source} --start {start.isoformat()} --end {end.isoformat()}"
