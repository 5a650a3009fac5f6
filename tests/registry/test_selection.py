"""The six-level precedence, level by level, and name validation when a registry is built."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundations.errors import ConfigError, UnknownNameError
from registry import TRANSFORMS, build_registry, load_settings, resolve


def write_env(tmp_path: Path, name: str, text: str) -> None:
    configs = tmp_path / "configs"
    configs.mkdir(exist_ok=True)
    (configs / f"{name}.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENERGY_CONFIG_DIR", str(tmp_path / "configs"))
    write_env(tmp_path, "bare", "")
    write_env(
        tmp_path,
        "full",
        """
[backends]
default = "rust"
failure_policy = "fallback"

[transforms.wind_to_long]
backend = "python"
failure_policy = "raise"
shadow = "rust"
shadow_fraction = 0.25
""",
    )
    return tmp_path / "configs"


T = "wind_to_long"
ENV_T = "ENERGY_BACKEND_WIND_TO_LONG"


def test_level_6_default_is_python(config_dir: Path) -> None:
    choice = resolve(T, load_settings("bare"), environ={})
    assert (choice.backend, choice.rule) == ("python", "default")
    assert choice.failure_policy == "fallback"


def test_level_5_environment_default(config_dir: Path) -> None:
    choice = resolve("pv_to_long", load_settings("full"), environ={})
    assert (choice.backend, choice.rule) == ("rust", "toml:backends.default")
    assert choice.failure_policy == "fallback"
    assert choice.shadow is None


def test_level_4_per_transform_toml_beats_env_default(config_dir: Path) -> None:
    choice = resolve(T, load_settings("full"), environ={})
    assert (choice.backend, choice.rule) == ("python", "toml:transforms.wind_to_long")
    assert choice.failure_policy == "raise"
    assert (choice.shadow, choice.shadow_fraction) == ("rust", 0.25)


def test_level_3_energy_backend_beats_all_toml(config_dir: Path) -> None:
    settings = load_settings("full")
    for transform in TRANSFORMS:
        choice = resolve(transform, settings, environ={"ENERGY_BACKEND": "python"})
        assert (choice.backend, choice.rule) == ("python", "env:ENERGY_BACKEND")
    # per-transform TOML (python) loses to the env var too
    assert resolve(T, settings, environ={"ENERGY_BACKEND": "rust"}).backend == "rust"


def test_level_2_per_transform_env_beats_energy_backend(config_dir: Path) -> None:
    env = {"ENERGY_BACKEND": "python", ENV_T: "rust"}
    choice = resolve(T, load_settings("full"), environ=env)
    assert (choice.backend, choice.rule) == ("rust", f"env:{ENV_T}")
    other = resolve("pv_to_long", load_settings("full"), environ=env)
    assert (other.backend, other.rule) == ("python", "env:ENERGY_BACKEND")


def test_level_1_caller_beats_everything(config_dir: Path) -> None:
    env = {"ENERGY_BACKEND": "rust", ENV_T: "rust"}
    choice = resolve(T, load_settings("full"), caller="python", environ=env)
    assert (choice.backend, choice.rule) == ("python", "caller")


def test_empty_env_var_is_ignored(config_dir: Path) -> None:
    choice = resolve("pv_to_long", load_settings("full"), environ={"ENERGY_BACKEND": ""})
    assert choice.rule == "toml:backends.default"


def test_env_vars_are_read_per_resolution_not_frozen(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings("full")
    assert resolve("pv_to_long", settings).backend == "rust"
    monkeypatch.setenv("ENERGY_BACKEND", "python")
    assert resolve("pv_to_long", settings).backend == "python"


def test_unknown_environment_lists_valid_ones(config_dir: Path) -> None:
    with pytest.raises(UnknownNameError) as err:
        load_settings("staging")
    assert "'staging'" in str(err.value) and "bare, full" in str(err.value)


def test_unknown_environment_from_env_var(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_ENV", "nosuch")
    with pytest.raises(UnknownNameError, match=r"\$ENERGY_ENV"):
        load_settings()


def test_unknown_backend_in_env_var_fails_when_the_registry_is_built(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_BACKEND", "nosuch")
    settings = load_settings("bare")  # names are the registry's to check, not the loader's
    with pytest.raises(UnknownNameError) as err:
        build_registry(settings)
    assert "'nosuch'" in str(err.value) and "python" in str(err.value) and "rust" in str(err.value)


def test_unknown_transform_in_env_var_fails_when_the_registry_is_built(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_BACKEND_IMPUTE", "python")
    with pytest.raises(UnknownNameError, match="impute_missing_values"):
        build_registry(load_settings("bare"))


def test_unknown_backend_in_toml_fails_when_the_registry_is_built(
    tmp_path: Path, config_dir: Path
) -> None:
    write_env(tmp_path, "bad", '[transforms.pv_to_long]\nbackend = "polars"\n')
    with pytest.raises(UnknownNameError, match=r"bad\.toml \[transforms\.pv_to_long\] backend"):
        build_registry(load_settings("bad"))


def test_unknown_transform_table_fails_when_the_registry_is_built(
    tmp_path: Path, config_dir: Path
) -> None:
    write_env(tmp_path, "bad", '[transforms.pv_long]\nbackend = "python"\n')
    with pytest.raises(
        UnknownNameError,
        match=r"unknown transform 'pv_long' \(from .*bad\.toml \[transforms\.pv_long\]\)",
    ):
        build_registry(load_settings("bad"))


def test_invalid_value_error_names_field_without_echoing_it(
    tmp_path: Path, config_dir: Path
) -> None:
    write_env(tmp_path, "bad", '[backends]\nfailure_policy = "s3cr3t-policy"\n')
    with pytest.raises(ConfigError) as err:
        load_settings("bad")
    assert "backends.failure_policy" in str(err.value)
    assert "s3cr3t" not in str(err.value)


def test_env_settings_beat_toml(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_BACKENDS__DEFAULT", "python")
    monkeypatch.setenv("ENERGY_LOGGING__FORMAT", "json")
    settings = load_settings("full")
    assert settings.backends.default == "python"
    assert settings.logging.format == "json"


def test_shipped_environments_differ_where_they_should() -> None:
    test, prod = load_settings("test"), load_settings("prod")
    assert (test.logging.format, prod.logging.format) == ("console", "json")
    assert (test.backends.failure_policy, prod.backends.failure_policy) == ("raise", "fallback")
    assert test.database_url().startswith("sqlite:///")
    assert prod.database_url().startswith("postgresql")
    assert (test.sources.mode, prod.sources.mode) == ("replay", "live")


def test_impute_columns_must_be_the_stored_ones(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_PIPELINE__IMPUTE_COLUMNS", '["ta"]')
    with pytest.raises(ConfigError, match=r"pipeline\.impute_columns.*must be \['ta', 'hm'\]"):
        load_settings("bare")
