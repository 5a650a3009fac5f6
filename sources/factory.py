"""``open_sources(settings)``: the three sources of one run, replay or live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Any, Literal

from registry.settings import Settings, SourceSettings
from sources.base import AsosSource, PvSource, WindSource
from sources.http_client import PortalClient
from sources.kma_asos import LiveAsosSource
from sources.namdong_wind import LiveWindSource
from sources.nambu_pv import LiveNambuPvSource
from sources.replay import Catalog, ReplayAsosSource, ReplayPvSource, ReplayWindSource


@dataclass
class Sources:
    """The sources of one run; an async context manager that closes the HTTP client."""

    mode: Literal["replay", "live"]
    asos: AsosSource
    wind: WindSource
    pv: PvSource
    #: The sample index (replay only).
    catalog: Catalog | None = None
    #: The shared HTTP client (live only): its ``stats`` count requests and retries.
    client: PortalClient | None = None

    def sample_window(self) -> tuple[date, date] | None:
        """The (first, last) day every replayed source has data for; ``None`` when live."""
        return self.catalog.window if self.catalog is not None else None

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def __aenter__(self) -> Sources:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def open_sources(settings: Settings | SourceSettings, **client_options: Any) -> Sources:
    """Replay or live sources per ``settings.sources.mode``.

    ``client_options`` go to :meth:`PortalClient.from_settings` (``retry``,
    ``transport``, ...) in live mode and are ignored in replay mode. Live mode
    without a service key raises ``ConfigError`` here, before any request.
    """
    cfg = settings.sources if isinstance(settings, Settings) else settings
    if cfg.mode == "replay":
        catalog = Catalog.load(cfg.samples_dir)
        return Sources(
            mode="replay",
            asos=ReplayAsosSource(catalog),
            wind=ReplayWindSource(catalog),
            pv=ReplayPvSource(catalog),
            catalog=catalog,
        )
    client = PortalClient.from_settings(cfg, **client_options)
    return Sources(
        mode="live",
        asos=LiveAsosSource(client),
        wind=LiveWindSource(client),
        pv=LiveNambuPvSource(client),
        client=client,
    )
