"""``energy impute``: CSV in, CSV out, through the registry, with a summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from energy_cli.impute_command import summary_rows

runner = CliRunner()

CSV = """tm,stnNm,ta,hm,note
2024-03-01 00:00,서울,1.0,50,a
2024-03-01 01:00,서울,,51,b
2024-03-01 02:00,서울,3.0,,c
2024-03-01 00:00,부산,x,60,d
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_impute_writes_filled_csv_and_summary(
    app: typer.Typer, source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["impute", str(source), "-o", str(out), "--backend", "python"])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == ["tm", "stnNm", "ta", "hm", "note"]
    assert written["ta"].tolist() == [
        "1.0",
        "2.0",
        "3.0",
        "2.0",
    ]  # linear, linear, observed, global mean
    assert written["hm"].tolist() == ["50.0", "51.0", "51.0", "60.0"]  # edge gap -> nearest
    assert written["note"].tolist() == ["a", "b", "c", "d"]
    assert "backend: python (requested python, rule caller" in result.stdout
    assert "filled: global_mean" in result.stdout and "filled: linear" in result.stdout
    assert "gaps (length: count)" in result.stdout and "1: 1" in result.stdout


def test_flags_add_method_labels(app: typer.Typer, source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "impute",
            str(source),
            "-o",
            str(out),
            "--columns",
            "ta",
            "--flags",
            "--max-spline-gap",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["ta_method"].tolist() == ["observed", "station_mean", "observed", "global_mean"]
    assert "hm_method" not in written.columns
    assert written["hm"].tolist() == ["50", "51", "", "60"]  # not imputed: written back as read


def test_history_file_feeds_the_climatology(app: typer.Typer, source: Path, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("tm,stnNm,ta,hm\n2023-03-01 01:00,서울,9.5,40\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "impute",
            str(source),
            "-o",
            str(out),
            "--history",
            str(history),
            "--max-spline-gap",
            "0",
            "--flags",
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written.loc[1, "ta"] == "9.5" and written.loc[1, "ta_method"] == "climatology"


def test_bad_input_exits_2_with_the_transform_message(app: typer.Typer, tmp_path: Path) -> None:
    source = tmp_path / "dup.csv"
    source.write_text(
        "tm,stnNm,ta,hm\n2024-03-01 00:00,서울,1,2\n2024-03-01 00:00,서울,3,4\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["impute", str(source), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "duplicate (stnNm, tm) pairs at rows [0, 1]" in result.stderr
    assert not (tmp_path / "o.csv").exists()


def test_missing_column_option_is_named(app: typer.Typer, source: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["impute", str(source), "-o", str(tmp_path / "o.csv"), "--time-col", "when"]
    )
    assert result.exit_code == 2
    assert "frame has no column 'when'" in result.stderr


def test_unknown_backend_lists_the_valid_ones(
    app: typer.Typer, source: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["impute", str(source), "-o", str(tmp_path / "o.csv"), "--backend", "nosuch"]
    )
    assert result.exit_code == 2
    assert "unknown backend 'nosuch'" in result.stderr


def test_empty_columns_option_is_refused(app: typer.Typer, source: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["impute", str(source), "-o", str(tmp_path / "o.csv"), "--columns", " , "]
    )
    assert result.exit_code == 2
    assert "--columns needs at least one column name" in result.stderr


def test_summary_rows_add_up_stations() -> None:
    report = {
        "ta": {
            "A": {
                "gaps_by_length": {1: 2, 5: 1},
                "methods": {"spline": 2, "climatology": 5},
                "unfilled": 0,
            },
            "B": {"gaps_by_length": {1: 1}, "methods": {"edge": 1}, "unfilled": 3},
        }
    }
    assert summary_rows(report) == [
        {
            "column": "ta",
            "stations": 2,
            "gaps_by_length": {1: 3, 5: 1},
            "methods": {"spline": 2, "edge": 1, "climatology": 5},
            "unfilled": 3,
        }
    ]
