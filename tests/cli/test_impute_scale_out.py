"""``energy impute`` with Parquet files and on a local Dask cluster (``--workers``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from benchmarks.generator import generate, spec_for_rows

runner = CliRunner()


@pytest.fixture
def frame() -> pd.DataFrame:
    frame = generate(spec_for_rows(4_000))
    # A station never observed in ta: its rows need rule 6's mean over all stations.
    lonely = frame[frame["stnNm"] == frame["stnNm"].iloc[0]].assign(stnNm="관측없음", ta=np.nan)
    return pd.concat([frame, lonely], ignore_index=True)


def _impute(app: typer.Typer, source: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(app, ["impute", str(source), "-o", str(out), "--flags", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_parquet_in_and_out_keeps_types_and_equals_the_csv_path(
    app: typer.Typer, frame: pd.DataFrame, tmp_path: Path
) -> None:
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    frame.to_csv(tmp_path / "in.csv", index=False)
    _impute(app, tmp_path / "in.parquet", tmp_path / "out.parquet")
    _impute(app, tmp_path / "in.csv", tmp_path / "out.csv")
    from_parquet = pd.read_parquet(tmp_path / "out.parquet")
    from_csv = pd.read_csv(tmp_path / "out.csv")
    assert from_parquet["tm"].dtype == frame["tm"].dtype  # datetime64 stays datetime64
    assert from_parquet["ta"].dtype == np.float64
    for column in ("ta", "hm"):
        np.testing.assert_allclose(from_parquet[column], from_csv[column], rtol=1e-12)
        assert from_parquet[f"{column}_method"].tolist() == from_csv[f"{column}_method"].tolist()
    assert not from_parquet["ta"].isna().any()


def test_two_local_workers_write_the_file_one_process_writes(
    app: typer.Typer, frame: pd.DataFrame, tmp_path: Path
) -> None:
    frame.to_csv(tmp_path / "in.csv", index=False)
    _impute(app, tmp_path / "in.csv", tmp_path / "alone.csv")
    shown = _impute(app, tmp_path / "in.csv", tmp_path / "spread.csv", "--workers", "2")
    assert (tmp_path / "spread.csv").read_bytes() == (tmp_path / "alone.csv").read_bytes()
    stations = frame["stnNm"].nunique()
    assert f"on {stations} partition(s)" in shown


def test_a_parquet_file_with_too_many_columns_is_refused_before_reading(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_LIMITS__MAX_COLUMNS", "3")
    pd.DataFrame({"tm": ["2024-01-01 00:00"], "stnNm": ["a"], "ta": [1.0], "hm": [2.0]}).to_parquet(
        tmp_path / "wide.parquet"
    )
    result = runner.invoke(
        app, ["impute", str(tmp_path / "wide.parquet"), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code != 0
    assert "has 4 columns, more than the limit of 3" in result.output


def test_a_file_that_is_not_parquet_is_a_clear_error(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_text("tm,stnNm\n", encoding="utf-8")
    result = runner.invoke(
        app, ["impute", str(tmp_path / "bad.parquet"), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code != 0
    assert "cannot read input" in result.output and "as Parquet" in result.output


def test_backend_option_is_refused_on_a_cluster(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("tm,stnNm,ta,hm\n2024-01-01 00:00,a,1,2\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "impute",
            str(tmp_path / "in.csv"),
            "-o",
            str(tmp_path / "o.csv"),
            "--workers",
            "2",
            "--backend",
            "python",
        ],
    )
    assert result.exit_code != 0 and "ENERGY_BACKEND" in result.output
