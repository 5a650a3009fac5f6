"""``open_sources(settings)``: the three sources of one run, replay or live.

Both modes build the same *live* sources (:class:`LiveAsosSource`,
:class:`LiveWindSource`, :class:`LiveNambuPvSource`) over one
:class:`PortalClient`, with the page sizes of ``[sources.asos|wind|pv]
page_size``. They differ only in what answers the client:

* ``live``: the data.go.kr APIs at ``settings.sources.base_url`` with the
  configured service key (none: ``ConfigError`` before any request);
* ``replay`` (the default): :class:`sources.replay.ReplayTransport`, the
  in-process portal emulator serving the bundled sample records
  (``sources.samples_dir``), with a fixed placeholder key (not a secret: the
  emulator never checks it) and a rate limit high enough not to slow an
  offline run. Nothing leaves the process.

So the default environment runs the exact client code of production: range
queries, paging, the PV next-day rule, code 03.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Any, Literal

from pydantic import SecretStr

from foundations.settings import Settings, SourceSettings
from sources.base import AsosSource, PvSource, WindSource
from sources.budget import RequestLedger
from sources.http_client import PortalClient
from sources.kma_asos import LiveAsosSource
from sources.nambu_pv import LiveNambuPvSource
from sources.namdong_wind import LiveWindSource
from sources.replay import Catalog, ReplayTransport

#: The replay's service key: a placeholder, never sent anywhere.
REPLAY_SERVICE_KEY = "replay-placeholder-not-a-key"
#: A reserved name that cannot resolve: the replay transport answers instead.
REPLAY_BASE_URL = "https://replay.invalid"
#: Requests per second in replay mode: high enough that the rate limit never waits
#: noticeably (a replayed run sends a few dozen requests).
REPLAY_REQUESTS_PER_SECOND = 10_000.0


@dataclass
class Sources:
    """The sources of one run; an async context manager that closes the HTTP client."""

    mode: Literal["replay", "live"]
    asos: AsosSource
    wind: WindSource
    pv: PvSource
    #: The shared HTTP client: its ``stats`` count requests and retries.
    client: PortalClient
    #: The sample records (replay only).
    catalog: Catalog | None = None
    #: The in-process portal (replay only): ``transport.requests`` counts requests per path.
    transport: ReplayTransport | None = None

    def sample_window(self) -> tuple[date, date] | None:
        """The (first, last) day every replayed source has data for; ``None`` when live."""
        return self.catalog.window if self.catalog is not None else None

    async def aclose(self) -> None:
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


def open_sources(
    settings: Settings | SourceSettings,
    *,
    ledger: RequestLedger | None = None,
    **client_options: Any,
) -> Sources:
    """Replay or live sources per ``settings.sources.mode``.

    ``ledger`` counts every request against the daily budgets, in both modes
    (the caller decides whether replayed requests should count). ``client_options``
    go to :meth:`PortalClient.from_settings` (``retry``, ``sleep``, ``transport``,
    ...); in replay mode the transport is the replay's, so passing one is a
    ``TypeError``. Live mode without a service key raises ``ConfigError`` here.
    """
    cfg = settings.sources if isinstance(settings, Settings) else settings
    catalog: Catalog | None = None
    transport: ReplayTransport | None = None
    if cfg.mode == "replay":
        if "transport" in client_options:
            raise TypeError("open_sources: replay mode uses its own transport; do not pass one")
        catalog = Catalog.load(cfg.samples_dir)
        transport = ReplayTransport(catalog.emulator())
        client = PortalClient.from_settings(
            cfg.model_copy(
                update={
                    "service_key": SecretStr(REPLAY_SERVICE_KEY),
                    "base_url": REPLAY_BASE_URL,
                    "requests_per_second": REPLAY_REQUESTS_PER_SECOND,
                }
            ),
            ledger=ledger,
            transport=transport,
            **client_options,
        )
    else:
        client = PortalClient.from_settings(cfg, ledger=ledger, **client_options)
    return Sources(
        mode=cfg.mode,
        asos=LiveAsosSource(client, page_size=cfg.asos.page_size),
        wind=LiveWindSource(client, page_size=cfg.wind.page_size),
        pv=LiveNambuPvSource(client, page_size=cfg.pv.page_size),
        client=client,
        catalog=catalog,
        transport=transport,
    )
