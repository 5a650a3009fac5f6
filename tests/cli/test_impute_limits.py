"""``energy impute`` refuses a too-wide CSV from its header, before parsing the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from energy_cli.main import app


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ENERGY_ENV", raising=False)


def test_a_csv_wider_than_the_column_limit_is_one_error_line(tmp_path: Path) -> None:
    # The probe's file: one row and 10^5 extra columns (10^6 took 300 s and 2.8 GB).
    extra = 100_000
    wide = tmp_path / "wide.csv"
    header = "tm,stnNm,ta,hm," + ",".join(f"c{i}" for i in range(extra))
    row = "2024-01-29 00:00,서울,1.0,50," + ",".join("0" for _ in range(extra))
    wide.write_text(f"{header}\n{row}\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["impute", str(wide), "-o", str(tmp_path / "out.csv")])

    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert f"has {extra + 4} columns, more than the limit of 1000" in line
    assert "ENERGY_LIMITS__MAX_COLUMNS" in line
    assert not (tmp_path / "out.csv").exists()


def test_the_limit_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("tm,stnNm,ta,hm\n2024-01-29 00:00,서울,1.0,50\n", encoding="utf-8")
    monkeypatch.setenv("ENERGY_LIMITS__MAX_COLUMNS", "3")
    result = CliRunner().invoke(app, ["impute", str(narrow), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert "has 4 columns, more than the limit of 3" in result.output
