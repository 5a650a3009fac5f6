"""Snapshot fixtures of T2: fixed input CSVs, the expected output, and a content hash.

A case is a directory under ``tests/equivalence/fixtures/t2/``:

* ``input.csv`` (and optionally ``history.csv``): read as text, every cell a
  string and an empty cell an empty string, exactly as a CSV file is handed
  to ``energy impute`` (so rule 2's coercion is part of what is tested);
* ``options.json``: the :class:`ImputeOptions` fields;
* ``expected.csv``: the output as a table sorted by (station, KST time, input
  row), stably: ``row`` (input position), the input's columns with the imputed
  ones written as shortest round-trip floats (``NaN`` for missing), and a
  ``<column>_method`` label per imputed column;
* ``report.json``: the report;
* ``manifest.json``: the SHA-256 of every file above, so a hand edit or a
  partial regeneration is detected before any comparison runs.

Only ``uv run python -m tests.equivalence.regenerate`` writes these files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.contracts import FillMethod, ImputeOptions, TransformOutput
from tests.equivalence.oracle import kst_wall_clock

FIXTURES = Path(__file__).parent / "fixtures" / "t2"
REGENERATE = "uv run python -m tests.equivalence.regenerate"
HASHED_FILES = ("input.csv", "history.csv", "options.json", "expected.csv", "report.json")


@dataclass
class Case:
    name: str
    frame: pd.DataFrame
    options: ImputeOptions
    history: pd.DataFrame | None


def case_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if (p / "manifest.json").exists())


def read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def load_case(name: str) -> Case:
    directory = FIXTURES / name
    fields = json.loads((directory / "options.json").read_text(encoding="utf-8"))
    fields["columns"] = tuple(fields["columns"])
    history_path = directory / "history.csv"
    return Case(
        name=name,
        frame=read_text_csv(directory / "input.csv"),
        options=ImputeOptions(**fields),
        history=read_text_csv(history_path) if history_path.exists() else None,
    )


def options_json(options: ImputeOptions) -> str:
    fields = dataclasses.asdict(options)
    fields["columns"] = list(fields["columns"])
    return json.dumps(fields, indent=2, sort_keys=True) + "\n"


def format_float(value: float) -> str:
    return "NaN" if np.isnan(value) else repr(float(value))


def snapshot_table(
    frame: pd.DataFrame, output: TransformOutput, options: ImputeOptions
) -> pd.DataFrame:
    """The output as the text table stored in ``expected.csv`` (see the module doc)."""
    assert output.methods is not None, "snapshot needs the method codes (with_methods=True)"
    table = pd.DataFrame({"row": [str(i) for i in range(len(frame))]})
    for column in output.frame.columns:
        if column in options.columns:
            table[column] = [
                format_float(v) for v in output.frame[column].to_numpy(dtype=np.float64)
            ]
        else:
            table[column] = output.frame[column].astype(str).to_numpy()
    for column in options.columns:
        table[f"{column}_method"] = [FillMethod(int(c)).label for c in output.methods[column]]
    station = frame[options.station_col].astype(str).to_numpy()
    when = [kst_wall_clock(v) for v in frame[options.time_col]]
    keys = pd.DataFrame({"station": station, "when": when, "row": np.arange(len(frame))})
    order = keys.sort_values(["station", "when", "row"], kind="stable").index.to_numpy()
    return table.iloc[order].reset_index(drop=True)


def report_to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def report_from_json(text: str) -> dict[str, Any]:
    """JSON keys are strings; gap lengths go back to ints as T2 reports them."""
    raw = json.loads(text)
    return {
        column: {
            station: {
                **entry,
                "gaps_by_length": {int(k): v for k, v in entry["gaps_by_length"].items()},
            }
            for station, entry in stations.items()
        }
        for column, stations in raw.items()
    }


def file_hashes(directory: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((directory / name).read_bytes()).hexdigest()
        for name in HASHED_FILES
        if (directory / name).exists()
    }


def manifest_problems(directory: Path) -> list[str]:
    """Why the case's files no longer match its manifest (empty if they do)."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    recorded: dict[str, str] = manifest["sha256"]
    actual = file_hashes(directory)
    problems = [f"{name} changed" for name in recorded if actual.get(name) != recorded[name]]
    problems += [f"{name} is not in the manifest" for name in actual if name not in recorded]
    return problems
