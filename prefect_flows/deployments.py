"""The scheduled deployments, in Korean time, served by ``energy serve`` (``flow.serve`` style).

| deployment | cron (Asia/Seoul) | what |
| --- | --- | --- |
| weather-daily | ``0 9 * * *`` | yesterday's ASOS weather (legacy schedule) |
| wind-monthly | ``0 11 10 * *`` | the previous month's wind (legacy schedule) |
| pv-backfill | ``0 10 * * *`` | PV days with < 24 hours among the last 7 days |

Periods are left to the flows' defaults, computed when each run starts, so
a run scheduled on 2024-02-10 collects January. The PV schedule is new (the
legacy code had none): daily, after the weather run, over a week so a day the
API published late is picked up by a later run; only missing days are fetched,
so a complete week costs one database query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TIMEZONE = "Asia/Seoul"


@dataclass(frozen=True)
class ScheduleSpec:
    """One deployment's name, flow, cron and parameters."""

    name: str
    flow: str
    cron: str
    description: str
    parameters: dict[str, Any]


SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec(
        "weather-daily", "weather_daily", "0 9 * * *", "ASOS weather of the previous day (KST)", {}
    ),
    ScheduleSpec(
        "wind-monthly", "wind_monthly", "0 11 10 * *", "Namdong wind of the previous month", {}
    ),
    ScheduleSpec(
        "pv-backfill",
        "pv_backfill",
        "0 10 * * *",
        "Nambu PV: missing days of the last 7 days",
        {"days_back": 7},
    ),
)


def build_deployments() -> list[Any]:
    """The ``RunnerDeployment`` of each schedule (needs no API; serving them does)."""
    from prefect.schedules import Cron

    from prefect_flows import flows

    deployments = []
    for spec in SCHEDULES:
        flow = getattr(flows, spec.flow)
        deployments.append(
            flow.to_deployment(
                name=spec.name,
                schedules=[Cron(spec.cron, timezone=TIMEZONE)],
                parameters=spec.parameters,
                description=spec.description,
                tags=["energy"],
            )
        )
    return deployments


def serve_deployments() -> None:
    """Register the deployments and run their scheduled runs in this process until stopped."""
    from prefect import serve

    serve(*build_deployments())
