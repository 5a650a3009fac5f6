"""The operator's view: `energy backends`, `energy explain`, `energy transform`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from energy_cli.main import app
from registry import TRANSFORMS

runner = CliRunner()


def test_backends_json_lists_python_and_explains_absent_ones() -> None:
    result = runner.invoke(app, ["backends", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["python"]["status"] == "available"
    assert rows["python"]["transforms"] == list(TRANSFORMS)
    for row in rows.values():
        assert (row["status"] == "absent") == bool(row["reason"])


def test_explain_prod_with_rollback_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_BACKEND", "python")
    result = runner.invoke(app, ["explain", "--env", "prod", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["env"] == "prod"
    assert [(r["transform"], r["backend"], r["rule"]) for r in payload["transforms"]] == [
        (t, "python", "env:ENERGY_BACKEND") for t in TRANSFORMS
    ]


def test_explain_unknown_backend_exits_nonzero_naming_valid_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENERGY_BACKEND", "nosuch")
    result = runner.invoke(app, ["explain"])
    assert result.exit_code == 2
    assert "unknown backend 'nosuch'" in result.stderr
    assert "valid backends: python, rust" in result.stderr


def test_explain_unknown_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["explain", "--env", "staging"])
    assert result.exit_code == 2
    assert "unknown environment 'staging'" in result.stderr and "prod, test" in result.stderr


def test_transform_command_runs_find_missing_runs_on_a_csv(tmp_path: Path) -> None:
    source = tmp_path / "series.csv"
    source.write_text("tm,ta\n00:00,1.5\n01:00,\n02:00,\n03:00,2.0\n04:00,x\n", encoding="utf-8")
    out = tmp_path / "runs.csv"
    result = runner.invoke(
        app,
        [
            "transform",
            "find_missing_runs",
            str(source),
            "--column",
            "ta",
            "--backend",
            "python",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == ["start,length", "1,2", "4,1"]
    record = json.loads(result.stderr.strip().splitlines()[-1])["record"]
    assert (record["used"], record["rule"]) == ("python", "caller")


def test_transform_command_rejects_unknown_backend(tmp_path: Path) -> None:
    source = tmp_path / "series.csv"
    source.write_text("ta\n1\n", encoding="utf-8")
    result = runner.invoke(
        app, ["transform", "find_missing_runs", str(source), "--column", "ta", "--backend", "gpu"]
    )
    assert result.exit_code == 2
    assert "unknown backend 'gpu'" in result.stderr
