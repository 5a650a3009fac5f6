"""Settings: ``configs/<env>.toml`` chosen by ``ENERGY_ENV``, environment variables above TOML.

Sources in an explicit order, highest first (like Prefect's ``settings/base.py``):
init arguments, environment variables (``ENERGY_`` prefix, ``__`` for nesting,
e.g. ``ENERGY_DATABASE__URL``), then the environment's TOML file. The
backend-selection variables (``ENERGY_BACKEND``, ``ENERGY_BACKEND_<TRANSFORM>``)
are read separately by :mod:`registry.selection` on every resolution, because
their precedence is per transform and they must beat per-transform TOML.

Settings are loaded per run by :func:`load_settings`, never frozen at import:
a long-lived worker picks up a flipped variable at its next run.

This module checks the shape and values of every setting. The names of
transforms and backends (``[transforms.<name>]``, ``[backends] default``,
``ENERGY_BACKEND*``) are the registry's vocabulary, so the registry checks
them when it is built from these settings
(:func:`registry.selection.validate_backend_names`); foundations import
nothing from the layers above them.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from foundations.errors import ConfigError, UnknownNameError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_VAR = "ENERGY_ENV"
CONFIG_DIR_VAR = "ENERGY_CONFIG_DIR"
DEFAULT_ENV = "test"

FailurePolicy = Literal["fallback", "raise"]


class TransformSettings(BaseModel):
    """One transform's table in TOML: ``[transforms.<name>]``."""

    model_config = {"extra": "forbid"}

    backend: str | None = None
    failure_policy: FailurePolicy | None = None
    #: Run this backend too, compare under the equivalence rule, log and count.
    shadow: str | None = None
    shadow_fraction: float = Field(default=1.0, ge=0.0, le=1.0)


class BackendSettings(BaseModel):
    """``[backends]``: the environment's default backend and failure policy."""

    model_config = {"extra": "forbid"}

    #: Unset means the last rule of the precedence, ``python``.
    default: str | None = None
    failure_policy: FailurePolicy = "fallback"


class LoggingSettings(BaseModel):
    model_config = {"extra": "forbid"}

    format: Literal["console", "json"] = "console"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class DatabaseSettings(BaseModel):
    model_config = {"extra": "forbid"}

    #: SQLAlchemy URL. A relative SQLite path is resolved against ``data_dir``.
    #: Secret because a PostgreSQL URL carries its password; set it in
    #: production through ``ENERGY_DATABASE__URL``, never in TOML.
    url: SecretStr = SecretStr("sqlite:///energy.sqlite")


class ApiSettings(BaseModel):
    """What every API's table (``[sources.asos]``, ``[sources.wind]``, ``[sources.pv]``) holds."""

    model_config = {"extra": "forbid"}

    #: Requests this pipeline may send to the API per Korean calendar day,
    #: shared by every run on the same database (retries count: the portal
    #: counts them). The defaults are the portal's development-key quotas.
    daily_request_budget: int = Field(ge=0)
    #: Records asked per page (``numOfRows`` / ``size``).
    page_size: int = Field(ge=1)


class AsosApiSettings(ApiSettings):
    # 10,000 requests a day on a development key; 999 records is the API's largest page.
    daily_request_budget: int = Field(default=10_000, ge=0)
    page_size: int = Field(default=999, ge=1, le=999)


class WindApiSettings(ApiSettings):
    # 10,000 requests a day; 100 records a page is the size the legacy collector used.
    daily_request_budget: int = Field(default=10_000, ge=0)
    page_size: int = Field(default=100, ge=1)


class PvApiSettings(ApiSettings):
    # 1,000 requests a day on data set 15104953 (10,000 on the gateway service).
    # Page size: docs/pipeline_benchmarks.md says why 100.
    daily_request_budget: int = Field(default=1_000, ge=0)
    page_size: int = Field(default=100, ge=1)


class SourceSettings(BaseModel):
    model_config = {"extra": "forbid"}

    #: ``replay``: bundled sample payloads through the same parsers (offline);
    #: ``live``: the data.go.kr APIs.
    mode: Literal["replay", "live"] = "replay"
    #: data.go.kr service key, either form (Encoding or Decoding). Set through
    #: ``ENERGY_SOURCES__SERVICE_KEY``; never in TOML, logs or errors.
    service_key: SecretStr | None = None
    base_url: str = "https://apis.data.go.kr"
    timeout_s: float = Field(default=30.0, gt=0)
    max_concurrency: int = Field(default=8, ge=1)
    requests_per_second: float = Field(default=20.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    #: Full-jitter backoff: retry k waits uniform(0, min(max, base * 2**k)) seconds.
    backoff_base_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    #: Pause after portal code 22 (request limit exceeded) before retrying.
    limit_pause_s: float = Field(default=60.0, ge=0)
    #: Longest ``Retry-After`` honoured; longer ones are capped to this.
    max_retry_after_s: float = Field(default=300.0, ge=0)
    samples_dir: Path | None = None
    asos: AsosApiSettings = AsosApiSettings()
    wind: WindApiSettings = WindApiSettings()
    pv: PvApiSettings = PvApiSettings()

    def api(self, source: str) -> ApiSettings:
        """The table of ``source`` (``"asos"``, ``"wind"`` or ``"pv"``)."""
        return {"asos": self.asos, "wind": self.wind, "pv": self.pv}[source]


class NotificationSettings(BaseModel):
    model_config = {"extra": "forbid"}

    #: Slack incoming-webhook URL (a secret). Unset: no notification is attempted.
    slack_webhook_url: SecretStr | None = None


class PipelineSettings(BaseModel):
    model_config = {"extra": "forbid"}

    #: T3 hour labelling: "end" (interval start, the standard) or "legacy".
    wind_hour_label: Literal["end", "legacy"] = "end"
    #: ASOS stations the weather flow collects (ids from reference data).
    asos_station_ids: list[int] = Field(
        default_factory=lambda: [108, 112, 119, 133, 143, 152, 156, 159]
    )
    #: The ASOS fields fetched and imputed; the weather table stores exactly these.
    impute_columns: list[str] = Field(default_factory=lambda: ["ta", "hm"])
    max_spline_gap: int = Field(default=3, ge=0)
    #: Hours of stored context the weather flow imputes with on each side of
    #: a run's range; fills within this many hours of the range are revised
    #: (docs/weather_fills.md). Must exceed max_spline_gap for short-gap fills
    #: to be independent of how the days were batched.
    impute_context_hours: int = Field(default=48, ge=1)
    #: A run log row still ``running`` after this many hours, from another host
    #: (whose processes cannot be checked from here), is marked ``interrupted``.
    stale_run_hours: float = Field(default=24.0, gt=0)
    #: Days of stored weather read back as T2 ``history`` (climatology evidence).
    history_days: int = Field(default=365, ge=0)
    #: How the Prefect flows run their tasks: "thread" (in the flow's process)
    #: or "dask" (on the cluster of ``[cluster]``, through prefect-dask).
    task_runner: Literal["thread", "dask"] = "thread"

    @field_validator("impute_columns")
    @classmethod
    def _stored_columns(cls, value: list[str]) -> list[str]:
        # Checked here, not after a run has fetched and imputed everything: the
        # loader needs both columns and their fill methods.
        if sorted(value) != ["hm", "ta"]:
            raise ValueError(
                f"must be ['ta', 'hm'] (got {value!r}): the weather table stores exactly these "
                "with their fill methods; another ASOS field needs a column in storage/schema.py"
            )
        return value


class ClusterSettings(BaseModel):
    """``[cluster]``: the Dask cluster of ``energy reimpute``, ``energy impute --workers``
    and ``[pipeline] task_runner = "dask"`` (docs/scale_out.md)."""

    model_config = {"extra": "forbid"}

    #: Scheduler of an existing cluster (``tcp://host:8786``). Unset: a local
    #: cluster is started for the command and stopped after it.
    address: str | None = None
    #: Worker processes of a local cluster. Unset: one per CPU core.
    workers: int | None = Field(default=None, ge=1)
    #: Partitions handed out ahead per worker: bounds what the client holds in
    #: memory (a station's partition each) while keeping every worker busy.
    partitions_per_worker: int = Field(default=2, ge=1)


class LimitSettings(BaseModel):
    """``[limits]``: bounds on transform input, checked before any heavy work.

    A transform given input beyond a limit raises ``TransformInputError``
    naming the limit, the value found and this table's field (override one
    with ``ENERGY_LIMITS__<FIELD>``). The defaults are far above anything the
    portals send and far below what exhausts a worker; every backend enforces
    the same values with the same message (registry/hookspecs.py).
    """

    model_config = {"extra": "forbid", "frozen": True}

    #: Largest raw response body T3-T5 read. A real page is under 1 MB; a
    #: 200 MB body took minutes and 10 GB in T3 before this limit existed.
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    #: Deepest nesting of JSON arrays/objects in a T3/T5 body. Real answers
    #: nest at most 6 deep. Capped at 500 because Python's own JSON reader
    #: recurses and hits RecursionError near 1000 levels.
    max_json_depth: int = Field(default=64, ge=1, le=500)
    #: Most columns of a T2 input (or history) frame. T2 reads a time, a
    #: station and a few value columns; a million passthrough columns only
    #: cost time and memory.
    max_columns: int = Field(default=1_000, ge=1)


class Settings(BaseSettings):
    """All settings of one environment."""

    model_config = SettingsConfigDict(
        env_prefix="ENERGY_",
        env_nested_delimiter="__",
        extra="forbid",
        # ENERGY_ENV / ENERGY_BACKEND* / ENERGY_CONFIG_DIR are not fields:
        # they select the file and the backends, read by their own code.
        env_ignore_empty=True,
    )

    env: str = DEFAULT_ENV
    data_dir: Path = Path("data")
    backends: BackendSettings = BackendSettings()
    transforms: dict[str, TransformSettings] = Field(default_factory=dict)
    logging: LoggingSettings = LoggingSettings()
    database: DatabaseSettings = DatabaseSettings()
    sources: SourceSettings = SourceSettings()
    notifications: NotificationSettings = NotificationSettings()
    pipeline: PipelineSettings = PipelineSettings()
    limits: LimitSettings = LimitSettings()
    cluster: ClusterSettings = ClusterSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = _config_file(_current_env_name())
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    def resolved_data_dir(self) -> Path:
        """``data_dir`` as an absolute path (relative ones are under the project root)."""
        return self.data_dir if self.data_dir.is_absolute() else PROJECT_ROOT / self.data_dir

    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved under ``data_dir``."""
        url = self.database.url.get_secret_value()
        prefix = "sqlite:///"
        if (
            url.startswith(prefix)
            and not url.startswith(prefix + "/")
            and url != prefix + ":memory:"
        ):
            return prefix + str(self.resolved_data_dir() / url[len(prefix) :])
        return url


def config_dir() -> Path:
    return Path(os.environ.get(CONFIG_DIR_VAR) or PROJECT_ROOT / "configs")


def available_envs() -> list[str]:
    return sorted(p.stem for p in config_dir().glob("*.toml"))


def _current_env_name() -> str:
    # pydantic-settings builds its sources without seeing the init arguments,
    # so load_settings passes the environment being loaded through a context
    # variable (safe across threads and tasks).
    return _loading_env.get() or os.environ.get(ENV_VAR) or DEFAULT_ENV


def _config_file(env: str) -> Path:
    return config_dir() / f"{env}.toml"


_loading_env: ContextVar[str | None] = ContextVar("energy_loading_env", default=None)


def load_settings(env: str | None = None, **overrides: Any) -> Settings:
    """Load the settings of ``env`` (default: ``ENERGY_ENV``, else ``test``).

    An unknown environment is an error that lists the valid ones; any invalid
    value is a :class:`ConfigError` naming the file and the field.
    """
    name = env or os.environ.get(ENV_VAR) or DEFAULT_ENV
    valid = available_envs()
    if name not in valid:
        where = "argument" if env else (f"${ENV_VAR}" if os.environ.get(ENV_VAR) else "default")
        raise UnknownNameError("environment", name, valid, where)
    token = _loading_env.set(name)
    try:
        settings = Settings(env=name, **overrides)
    except ValidationError as exc:
        raise ConfigError(
            f"invalid settings for environment {name!r} ({_config_file(name)} and ENERGY_* "
            f"environment variables):\n{_describe(exc)}"
        ) from None
    finally:
        _loading_env.reset(token)
    return settings


def _describe(exc: ValidationError) -> str:
    # Never echo input values: a mistyped secret must not end up in a log.
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)
