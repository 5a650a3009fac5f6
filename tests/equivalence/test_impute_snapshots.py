"""Every backend's T2 against the stored snapshots (``tests/equivalence/fixtures/t2``).

Regenerate them only on purpose: ``uv run python -m tests.equivalence.regenerate``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.equivalence.compare import assert_floats_equivalent, assert_reports_equal
from tests.equivalence.snapshots import (
    FIXTURES,
    REGENERATE,
    case_names,
    load_case,
    manifest_problems,
    read_text_csv,
    report_from_json,
    snapshot_table,
)

CASES = case_names()


def test_snapshot_cases_exist() -> None:
    assert len(CASES) >= 3, (
        f"expected the T2 snapshot cases under {FIXTURES}; run {REGENERATE} --inputs"
    )


@pytest.mark.parametrize("name", CASES)
def test_snapshot_files_match_their_manifest(name: str) -> None:
    problems = manifest_problems(FIXTURES / name)
    assert not problems, f"{name}: {problems}; if the change is intended, run {REGENERATE}"


@pytest.mark.parametrize("name", CASES)
def test_backend_matches_snapshot(call_transform, name: str) -> None:
    case = load_case(name)
    output = call_transform("impute_missing_values", case.frame, case.options, case.history)

    actual = snapshot_table(case.frame, output, case.options)
    expected = read_text_csv(FIXTURES / name / "expected.csv")
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        if column in case.options.columns:
            assert_floats_equivalent(
                actual[column].astype(float).to_numpy(),
                expected[column].astype(float).to_numpy(),
                f"{name}: column {column!r}",
            )
        else:
            mismatch = np.flatnonzero(actual[column].to_numpy() != expected[column].to_numpy())
            assert not len(mismatch), (
                f"{name}: column {column!r} differs at snapshot rows {mismatch[:10].tolist()}"
            )
    expected_report = report_from_json(
        (FIXTURES / name / "report.json").read_text(encoding="utf-8")
    )
    assert_reports_equal(output.report, expected_report)
