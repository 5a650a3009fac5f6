"""Calls through the registry: fallback, the raise policy, shadow mode and the call record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import structlog

from foundations.errors import BackendUnavailable, PortalError
from foundations.settings import BackendSettings, Settings, TransformSettings
from registry import Registry, TransformInputError, discover_backends, load_settings
from registry.contracts import API_VERSION, BackendInfo
from registry.hookspecs import hookimpl
from tests.registry.fake_backends import DelegatingBackend, OnlyRunsBackend

VALUES = np.array([1.0, np.nan, np.nan, 4.0, np.nan])
EXPECTED_STARTS, EXPECTED_LENGTHS = np.array([1, 4]), np.array([2, 1])


def settings_with(**transform_table: object) -> Settings:
    """The test env with fallback policy and one [transforms.find_missing_runs] table.

    Built by copy rather than load_settings: the table names test plugins that
    have no entry point, which load-time validation would rightly reject.
    """
    base = load_settings("test")
    return base.model_copy(
        update={
            "backends": BackendSettings(default="python", failure_policy="fallback"),
            "transforms": {"find_missing_runs": TransformSettings(**transform_table)}
            if transform_table
            else {},
        }
    )


def registry_with(
    settings: Settings, environ: dict[str, str] | None = None, **plugins: object
) -> Registry:
    return Registry(settings, discover_backends(plugins), environ=environ or {}, sample=lambda: 0.0)


def assert_runs(value: tuple[np.ndarray, np.ndarray]) -> None:
    np.testing.assert_array_equal(value[0], EXPECTED_STARTS)
    np.testing.assert_array_equal(value[1], EXPECTED_LENGTHS)


def test_chosen_backend_runs_and_is_recorded() -> None:
    fake = DelegatingBackend("fake")
    reg = registry_with(settings_with(), fake=fake)
    result = reg.call("find_missing_runs", VALUES, backend="fake")
    assert_runs(result.value)
    rec = result.record
    assert (rec.transform, rec.requested, rec.used, rec.rule) == (
        "find_missing_runs",
        "fake",
        "fake",
        "caller",
    )
    assert (rec.input_rows, rec.rows, rec.fallback_reason, rec.shadow) == (5, 2, None, None)
    assert rec.duration_s >= 0
    assert fake.calls == {"find_missing_runs": 1}
    assert reg.records == [rec]


def test_fallback_when_backend_raises() -> None:
    fake = DelegatingBackend("fake", fail_with=RuntimeError("simulated native crash"))
    reg = registry_with(settings_with(backend="fake"), fake=fake)
    with structlog.testing.capture_logs() as logs:
        result = reg.call("find_missing_runs", VALUES)
    assert_runs(result.value)
    assert (result.record.requested, result.record.used) == ("fake", "python")
    assert result.record.fallback_reason == "RuntimeError: simulated native crash"
    warning = next(e for e in logs if e["event"] == "transform.fallback")
    assert warning["log_level"] == "warning" and warning["reason"] == result.record.fallback_reason


def test_fallback_when_backend_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    # Hide every entry point but python's, as on a machine where the rust build failed.
    from importlib.metadata import entry_points

    import registry.discovery

    only_python = [ep for ep in entry_points(group="energy_backends") if ep.name == "python"]
    monkeypatch.setattr(registry.discovery, "entry_points", lambda group: only_python)
    reg = registry_with(settings_with(), environ={"ENERGY_BACKEND": "rust"})
    assert "uv sync --extra rust" in reg.backends.absent["rust"]
    result = reg.call("find_missing_runs", VALUES)
    assert_runs(result.value)
    assert (result.record.requested, result.record.used) == ("rust", "python")
    assert result.record.rule == "env:ENERGY_BACKEND"
    assert result.record.fallback_reason.startswith("backend 'rust' is unavailable: not installed")


def test_fallback_when_handshake_fails() -> None:
    stale = DelegatingBackend("stale", api_version=API_VERSION + 1)
    reg = registry_with(settings_with(backend="stale"), stale=stale)
    assert "contract version mismatch" in reg.backends.absent["stale"]
    result = reg.call("find_missing_runs", VALUES)
    assert result.record.used == "python"
    assert "contract version mismatch" in result.record.fallback_reason
    assert stale.calls == {}


def test_raise_policy_propagates_backend_error() -> None:
    fake = DelegatingBackend("fake", fail_with=RuntimeError("boom"))
    reg = registry_with(settings_with(backend="fake", failure_policy="raise"), fake=fake)
    with pytest.raises(RuntimeError, match="boom"):
        reg.call("find_missing_runs", VALUES)
    assert reg.records == []


def test_raise_policy_propagates_absent_backend() -> None:
    stale = DelegatingBackend("stale", api_version=0)
    reg = registry_with(settings_with(backend="stale", failure_policy="raise"), stale=stale)
    with pytest.raises(BackendUnavailable, match="contract version mismatch"):
        reg.call("find_missing_runs", VALUES)


@pytest.mark.parametrize(
    "verdict",
    [TransformInputError("row 3: bad"), PortalError("30", "SERVICE KEY IS NOT REGISTERED")],
)
def test_input_verdicts_never_fall_back(verdict: Exception) -> None:
    fake = DelegatingBackend("fake", fail_with=verdict)
    reg = registry_with(settings_with(backend="fake"), fake=fake)
    with pytest.raises(type(verdict)):
        reg.call("find_missing_runs", VALUES)


@pytest.mark.parametrize(
    ("shadow", "outcome"),
    [
        (DelegatingBackend("shadowed"), "match"),
        (DelegatingBackend("shadowed", perturb=1), "mismatch"),
        (DelegatingBackend("shadowed", fail_with=ValueError("shadow broke")), "error"),
    ],
)
def test_shadow_outcomes_are_counted_and_never_change_the_result(
    shadow: DelegatingBackend, outcome: str
) -> None:
    reg = registry_with(settings_with(backend="python", shadow="shadowed"), shadowed=shadow)
    for _ in range(2):
        result = reg.call("find_missing_runs", VALUES)
        assert_runs(result.value)
        assert result.record.used == "python"
        assert result.record.shadow is not None and result.record.shadow.outcome == outcome
    assert reg.shadow_counts[("find_missing_runs", outcome)] == 2
    assert shadow.calls == {"find_missing_runs": 2}
    if outcome == "mismatch":
        assert "values differ" in result.record.shadow.summary
    if outcome == "error":
        assert "shadow broke" in result.record.shadow.summary


def test_shadow_fraction_samples_calls() -> None:
    shadow = DelegatingBackend("shadowed")
    settings = settings_with(backend="python", shadow="shadowed", shadow_fraction=0.5)
    draws = iter([0.1, 0.9, 0.4, 0.6])
    reg = Registry(
        settings, discover_backends({"shadowed": shadow}), environ={}, sample=lambda: next(draws)
    )
    outcomes = [reg.call("find_missing_runs", VALUES).record.shadow for _ in range(4)]
    assert [o is not None for o in outcomes] == [True, False, True, False]


def test_call_record_is_logged_as_structured_event() -> None:
    reg = registry_with(settings_with())
    with structlog.testing.capture_logs() as logs:
        reg.call("find_missing_runs", VALUES)
    event = next(e for e in logs if e["event"] == "transform.call")
    assert {
        k: event[k] for k in ("transform", "requested", "used", "rule", "rows", "input_rows")
    } == {
        "transform": "find_missing_runs",
        "requested": "python",
        "used": "python",
        "rule": "toml:backends.default",
        "rows": 2,
        "input_rows": 5,
    }
    json.dumps(reg.records[0].as_dict())  # records are plain data, ready for run artifacts


def test_backend_claiming_unimplemented_transforms_is_refused() -> None:
    backends = discover_backends({"liar": OnlyRunsBackend()})
    assert "liar" not in backends.available
    assert "claimed but not implemented" in backends.absent["liar"]
    assert "impute_missing_values" in backends.absent["liar"]


def test_backend_whose_handshake_raises_is_absent_with_reason() -> None:
    class Broken(DelegatingBackend):
        @hookimpl
        def energy_backend_info(self) -> BackendInfo:
            raise OSError("libfoo.so: cannot open shared object file")

    backends = discover_backends({"broken": Broken("broken")})
    assert (
        backends.absent["broken"]
        == "handshake failed: OSError: libfoo.so: cannot open shared object file"
    )
    assert "python" in backends.available


def test_python_backend_is_found_through_the_entry_point_group() -> None:
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="energy_backends")}
    assert names["python"] == "plugins.python_backend"


def test_settings_are_read_per_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from registry import build_registry

    assert build_registry().choose("pv_to_long").rule == "toml:backends.default"
    monkeypatch.setenv("ENERGY_BACKEND_PV_TO_LONG", "python")
    assert build_registry().choose("pv_to_long").rule == "env:ENERGY_BACKEND_PV_TO_LONG"


def test_no_shadow_run_of_the_backend_that_just_failed() -> None:
    # ENERGY_BACKEND=rust with `shadow = "rust"`: rust raises, python runs; rust must not run again.
    fake = DelegatingBackend("fake", fail_with=RuntimeError("native crash"))
    reg = registry_with(settings_with(backend="fake", shadow="fake"), fake=fake)
    result = reg.call("find_missing_runs", VALUES)
    assert (result.record.used, result.record.shadow) == ("python", None)
    assert fake.calls == {"find_missing_runs": 1}
    assert reg.shadow_counts == {}
