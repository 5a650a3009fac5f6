"""The operator's view of the rust backend: `energy explain` and `energy impute --backend rust`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from benchmarks.generator import generate, spec_for_rows
from energy_cli.main import app
from registry import TRANSFORMS
from registry.equivalence import float_mismatches

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("rust_available")


def test_energy_backend_rust_resolves_every_transform_to_rust(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENERGY_BACKEND", "rust")
    result = runner.invoke(app, ["explain", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["transforms"]
    assert [(r["transform"], r["backend"], r["rule"], r["available"]) for r in rows] == [
        (t, "rust", "env:ENERGY_BACKEND", True) for t in TRANSFORMS
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_impute_cli_rust_matches_python_on_a_csv(tmp_path: Path, seed: int) -> None:
    frame = generate(spec_for_rows(5_000, seed=seed))
    # Scramble the row order and drop a few rows: the CLI must not rely on tidy input.
    frame = frame.sample(frac=0.97, random_state=seed)
    source = tmp_path / "weather.csv"
    frame.to_csv(source, index=False)
    outputs = {}
    for backend in ("python", "rust"):
        out = tmp_path / f"{backend}.csv"
        result = runner.invoke(
            app, ["impute", str(source), "-o", str(out), "--backend", backend, "--flags"]
        )
        assert result.exit_code == 0, result.output
        outputs[backend] = pd.read_csv(out)
    python, rust = outputs["python"], outputs["rust"]
    assert list(rust.columns) == list(python.columns)
    for column in ("ta", "hm"):
        assert not len(float_mismatches(python[column].to_numpy(), rust[column].to_numpy())), column
        assert (python[f"{column}_method"] == rust[f"{column}_method"]).all()
    assert python["ta"].isna().sum() < frame["ta"].isna().sum()
    assert np.array_equal(python["stnNm"].to_numpy(), rust["stnNm"].to_numpy())
