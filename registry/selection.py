"""Which backend runs a transform: precedence, validation, failure policy.

Precedence, highest first (docs/contracts/backend_selection.md):

1. the caller (function argument, CLI option)        rule ``caller``
2. ``ENERGY_BACKEND_<TRANSFORM>``                     rule ``env:ENERGY_BACKEND_<TRANSFORM>``
3. ``ENERGY_BACKEND``                                 rule ``env:ENERGY_BACKEND``
4. ``[transforms.<name>] backend`` in the env's TOML  rule ``toml:transforms.<name>``
5. ``[backends] default`` in the env's TOML           rule ``toml:backends.default``
6. ``python``                                         rule ``default``

Environment variables beat every TOML setting, which is what makes
``ENERGY_BACKEND=python`` a one-variable rollback. The variables are read from
``os.environ`` at every resolution, never cached.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points

from foundations.errors import UnknownNameError
from foundations.settings import Settings, config_dir
from registry.hookspecs import TRANSFORMS

ENTRY_POINT_GROUP = "energy_backends"
FALLBACK_BACKEND = "python"
#: The project's own backends: valid names even when not installed, so that
#: ``ENERGY_BACKEND=rust`` on a machine without the rust build is "absent,
#: fall back" rather than "unknown name".
FIRST_PARTY_BACKENDS = ("python", "rust")

ENV_ALL = "ENERGY_BACKEND"
ENV_PREFIX = "ENERGY_BACKEND_"


def env_var_for(transform: str) -> str:
    return ENV_PREFIX + transform.upper()


@dataclass(frozen=True)
class Choice:
    """The resolved backend of one transform, and why."""

    transform: str
    backend: str
    rule: str
    failure_policy: str
    shadow: str | None
    shadow_fraction: float


def known_backends() -> list[str]:
    """Every valid backend name: first-party ones plus installed entry points."""
    names = set(FIRST_PARTY_BACKENDS)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def resolve(
    transform: str,
    settings: Settings,
    *,
    caller: str | None = None,
    environ: Mapping[str, str] | None = None,
    valid: Sequence[str] | None = None,
) -> Choice:
    """Resolve the backend of ``transform`` by the precedence above.

    ``valid`` is the list of known backend names; the registry passes the one
    it discovered so that a call does not rescan the installed packages.
    """
    env = os.environ if environ is None else environ
    _check_transform(transform)
    table = settings.transforms.get(transform)
    candidates: list[tuple[str | None, str]] = [
        (caller, "caller"),
        (env.get(env_var_for(transform)) or None, f"env:{env_var_for(transform)}"),
        (env.get(ENV_ALL) or None, f"env:{ENV_ALL}"),
        (table.backend if table else None, f"toml:transforms.{transform}"),
        (settings.backends.default, "toml:backends.default"),
        (FALLBACK_BACKEND, "default"),
    ]
    backend, rule = next((name, rule) for name, rule in candidates if name)
    _check_backend(backend, rule, known_backends() if valid is None else valid)
    policy = (table.failure_policy if table else None) or settings.backends.failure_policy
    return Choice(
        transform=transform,
        backend=backend,
        rule=rule,
        failure_policy=policy,
        shadow=table.shadow if table else None,
        shadow_fraction=table.shadow_fraction if table else 1.0,
    )


def validate_backend_names(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    valid: Sequence[str] | None = None,
) -> None:
    """Fail on any unknown backend or transform name in TOML or env vars.

    Run when a registry is built from settings, before any transform runs.
    """
    env = os.environ if environ is None else environ
    valid = known_backends() if valid is None else valid
    toml = str(config_dir() / f"{settings.env}.toml")
    for name in settings.transforms:
        if name not in TRANSFORMS:
            raise UnknownNameError("transform", name, TRANSFORMS, f"{toml} [transforms.{name}]")
    if settings.backends.default is not None:
        _check_backend(settings.backends.default, f"{toml} [backends] default", valid)
    for name, table in settings.transforms.items():
        for field in ("backend", "shadow"):
            value = getattr(table, field)
            if value is not None:
                _check_backend(value, f"{toml} [transforms.{name}] {field}", valid)
    for var, value in env.items():
        if var == ENV_ALL and value:
            _check_backend(value, f"${var}", valid)
        elif var.startswith(ENV_PREFIX) and value:
            transform = var[len(ENV_PREFIX) :].lower()
            if transform not in TRANSFORMS:
                raise UnknownNameError(
                    "transform",
                    transform,
                    TRANSFORMS,
                    f"${var} (expected ENERGY_BACKEND_<TRANSFORM>)",
                )
            _check_backend(value, f"${var}", valid)


def _check_backend(name: str, where: str, valid: Sequence[str]) -> None:
    if name not in valid:
        raise UnknownNameError("backend", name, valid, where)


def _check_transform(name: str) -> None:
    if name not in TRANSFORMS:
        raise UnknownNameError("transform", name, TRANSFORMS, "caller")
