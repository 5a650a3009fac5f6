"""Regenerate the T2 snapshot fixtures: ``uv run python -m tests.equivalence.regenerate``.

By default the expected outputs (``expected.csv``, ``report.json``) and the
manifests are rewritten from the existing inputs, using the python backend
through the registry. ``--inputs`` first rebuilds the input CSVs from the
seeded builders below (only needed when a case is added or changed on
purpose). ``--check`` writes nothing and exits 1 if any stored expectation
differs from what the python backend produces now.

Before anything is written the python result is checked against the
independent oracle; a disagreement aborts, so a snapshot never records a bug
of the implementation it is meant to guard.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from benchmarks.generator import GeneratorSpec, generate
from registry import build_registry, load_settings
from registry.contracts import ImputeOptions, TransformOutput
from tests.equivalence.compare import (
    assert_frames_equivalent,
    assert_methods_equal,
    assert_reports_equal,
)
from tests.equivalence.oracle import oracle_impute
from tests.equivalence.snapshots import (
    FIXTURES,
    REGENERATE,
    Case,
    case_names,
    file_hashes,
    load_case,
    options_json,
    report_from_json,
    report_to_json,
    snapshot_table,
)

NAN = np.nan


# --------------------------------------------------------------------------- input builders


def _hourly(
    station: str, start: str, hours: int, rng: np.random.Generator, base: float
) -> pd.DataFrame:
    times = pd.date_range(start, periods=hours, freq="h")
    daily = np.sin(2 * np.pi * (times.hour.to_numpy() - 9) / 24)
    return pd.DataFrame(
        {
            "tm": times.strftime("%Y-%m-%d %H:%M"),
            "stnNm": station,
            "ta": np.round(base + 5 * daily + rng.normal(0, 0.5, hours), 1),
            "hm": np.round(np.clip(70 - 15 * daily + rng.normal(0, 3, hours), 0, 100), 1),
        }
    )


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell a string, NaN as an empty cell (what a CSV file holds)."""
    out = frame.copy()
    for column in out.columns:
        out[column] = ["" if pd.isna(v) else str(v) for v in out[column]]
    return out


def build_asos_three_stations() -> tuple[pd.DataFrame, pd.DataFrame | None, ImputeOptions]:
    """Three stations over two weeks around Feb 29, every rule exercised, with history."""
    rng = np.random.default_rng(20240229)
    parts = []
    for station, base in (("서울", 2.0), ("부산", 7.0), ("대관령", -5.0)):
        part = _hourly(station, "2024-02-20 00:00", 14 * 24, rng, base)
        ta, hm = part["ta"].to_numpy().copy(), part["hm"].to_numpy().copy()
        ta[[0]] = NAN  # leading edge gap
        ta[[5, 6]] = NAN  # interior, 2
        ta[100:103] = NAN  # interior, 3
        ta[30:38] = NAN  # long, 8
        ta[-2:] = NAN  # trailing edge gap
        hm[200:248] = NAN  # long, 48, over Feb 28-29 (rows 200.. = Feb 28 08:00 ..)
        hm[50] = NAN
        part["ta"], part["hm"] = ta, hm
        parts.append(part)
    frame = _as_text(pd.concat(parts, ignore_index=True))
    # Cells a portal export really has: empty strings and a placeholder dash.
    frame.loc[frame.index[10], "ta"] = "-"
    frame.loc[frame.index[400], "hm"] = ""

    history_parts = []
    for year in (2020, 2023):  # 2020 has Feb 29, 2023 has not
        for station in ("서울", "부산", "울릉도"):
            history_parts.append(_hourly(station, f"{year}-02-26 00:00", 5 * 24, rng, 3.0))
    history = _as_text(pd.concat(history_parts, ignore_index=True))
    return frame, history, ImputeOptions(with_methods=True)


def build_irregular_sparse_tz() -> tuple[pd.DataFrame, pd.DataFrame | None, ImputeOptions]:
    """Irregular and zone-qualified times, shuffled rows, sparse stations, an all-NaN column."""
    rng = np.random.default_rng(7)
    hours = [0, 1, 2, 4, 5, 9, 10, 11, 12, 20, 21, 22, 30, 31, 40, 41, 42, 43, 44]
    start = pd.Timestamp("2024-02-28 18:00")
    rows = []
    for station, observed in (("108", None), ("속초", {3, 4, 6}), ("울산", {5}), ("제주", set())):
        for k, h in enumerate(hours):
            ta = round(float(rng.normal(10, 4)), 2)
            if observed is None:
                ta = NAN if k in (3, 6, 7, 13, 18) else ta
            elif k not in observed:
                ta = NAN
            rows.append(
                {"stnNm": station, "tm": start + pd.Timedelta(hours=h), "ta": ta, "hm": NAN}
            )
    frame = pd.DataFrame(rows)
    # Half the times as UTC with an offset, half as naive KST text.
    kst = frame["tm"].dt.strftime("%Y-%m-%d %H:%M")
    utc = (frame["tm"].dt.tz_localize("Asia/Seoul").dt.tz_convert("UTC")).dt.strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )
    frame["tm"] = np.where(rng.random(len(frame)) < 0.5, kst, utc)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame["extra"] = [f"r{i}" for i in range(len(frame))]
    return _as_text(frame), None, ImputeOptions(max_spline_gap=2, with_methods=True)


def build_generator_three_by_720() -> tuple[pd.DataFrame, pd.DataFrame | None, ImputeOptions]:
    """The benchmark generator's shape at fixture size, with a year of history for two stations."""
    frame = generate(
        GeneratorSpec(stations=3, hours=720, missing_ratio=0.08, seed=11, start="2024-01-15 00:00")
    )
    history = generate(
        GeneratorSpec(stations=2, hours=720, missing_ratio=0.05, seed=12, start="2023-01-15 00:00")
    )
    frame["tm"] = frame["tm"].dt.strftime("%Y-%m-%d %H:%M")
    history["tm"] = history["tm"].dt.strftime("%Y-%m-%d %H:%M")
    for column in ("ta", "hm"):
        frame[column] = frame[column].round(3)
        history[column] = history[column].round(3)
    return _as_text(frame), _as_text(history), ImputeOptions(with_methods=True)


BUILDERS: dict[str, Callable[[], tuple[pd.DataFrame, pd.DataFrame | None, ImputeOptions]]] = {
    "asos_three_stations": build_asos_three_stations,
    "irregular_sparse_tz": build_irregular_sparse_tz,
    "generator_3x720": build_generator_three_by_720,
}


# --------------------------------------------------------------------------- expectations


def python_output(case: Case) -> TransformOutput:
    registry = build_registry(
        load_settings("test", backends={"default": "python", "failure_policy": "raise"})
    )
    result = registry.call(
        "impute_missing_values", case.frame, case.options, case.history, backend="python"
    )
    return result.value


def check_against_oracle(case: Case, output: TransformOutput) -> None:
    expected = oracle_impute(case.frame, case.options, case.history)
    assert_frames_equivalent(output.frame, expected.frame)
    assert_reports_equal(output.report, expected.report)
    assert_methods_equal(output.methods, expected.methods)


def write_inputs(name: str) -> None:
    frame, history, options = BUILDERS[name]()
    directory = FIXTURES / name
    directory.mkdir(parents=True, exist_ok=True)
    frame.to_csv(directory / "input.csv", index=False, encoding="utf-8", lineterminator="\n")
    if history is not None:
        history.to_csv(
            directory / "history.csv", index=False, encoding="utf-8", lineterminator="\n"
        )
    else:
        (directory / "history.csv").unlink(missing_ok=True)
    (directory / "options.json").write_text(options_json(options), encoding="utf-8")


def expected_files(case: Case) -> dict[str, str]:
    output = python_output(case)
    check_against_oracle(case, output)
    table = snapshot_table(case.frame, output, case.options)
    return {
        "expected.csv": table.to_csv(index=False, lineterminator="\n"),
        "report.json": report_to_json(output.report),
    }


def write_expected(name: str) -> None:
    directory = FIXTURES / name
    for filename, text in expected_files(load_case(name)).items():
        (directory / filename).write_text(text, encoding="utf-8")
    manifest = {
        "case": name,
        "generated_by": REGENERATE,
        "backend": "python",
        "sha256": file_hashes(directory),
    }
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def check(name: str) -> list[str]:
    directory = FIXTURES / name
    files = expected_files(load_case(name))
    problems = []
    if files["expected.csv"] != (directory / "expected.csv").read_text(encoding="utf-8"):
        problems.append(f"{name}: expected.csv differs from the python backend's output now")
    if report_from_json(files["report.json"]) != report_from_json(
        (directory / "report.json").read_text(encoding="utf-8")
    ):
        problems.append(f"{name}: report.json differs from the python backend's report now")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--inputs", action="store_true", help="also rebuild the input CSVs from the builders"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a snapshot is stale"
    )
    parser.add_argument(
        "cases", nargs="*", help=f"cases to process (default: all of {sorted(BUILDERS)})"
    )
    args = parser.parse_args(argv)
    names = args.cases or sorted(BUILDERS)
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; known: {sorted(BUILDERS)}")
    if args.check:
        problems = [p for name in names for p in check(name)]
        for problem in problems:
            print(problem)
        print(
            "snapshots are current" if not problems else f"{len(problems)} stale; run {REGENERATE}"
        )
        return 1 if problems else 0
    for name in names:
        if args.inputs or not (FIXTURES / name / "input.csv").exists():
            write_inputs(name)
        write_expected(name)
        print(f"wrote {FIXTURES / name}")
    stale = sorted(set(case_names()) - set(BUILDERS))
    if stale:
        print(f"note: fixture directories without a builder: {stale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
