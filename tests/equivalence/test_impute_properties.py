"""Every backend's T2 against the independent oracle, on generated inputs.

The ``backend`` / ``call_transform`` fixtures (tests/conftest.py) run these
for every known backend; an absent backend skips with its reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings

from tests.equivalence.compare import (
    assert_floats_equivalent,
    assert_frames_equivalent,
    assert_methods_equal,
    assert_reports_equal,
)
from tests.equivalence.oracle import oracle_impute
from tests.equivalence.strategies import T2Case, t2_cases

# The backend fixture only selects an implementation; it holds no state that
# one generated example could leak into the next.
PROPERTY_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(case=t2_cases())
def test_backend_matches_oracle(call_transform, case: T2Case) -> None:
    frame_before = case.frame.copy(deep=True)
    history_before = None if case.history is None else case.history.copy(deep=True)

    result = call_transform("impute_missing_values", case.frame, case.options, case.history)
    expected = oracle_impute(case.frame, case.options, case.history)

    assert_frames_equivalent(result.frame, expected.frame)
    assert_reports_equal(result.report, expected.report)
    assert_methods_equal(result.methods, expected.methods)
    # Pure: the inputs are untouched.
    pd.testing.assert_frame_equal(case.frame, frame_before)
    if history_before is not None:
        pd.testing.assert_frame_equal(case.history, history_before)


@PROPERTY_SETTINGS
@given(case=t2_cases())
def test_row_order_does_not_change_values(call_transform, case: T2Case) -> None:
    """Reversing the input rows reverses the output rows and nothing else (rule 2).

    Equal within the tolerance, not bit for bit: the order in which means
    are summed may follow the order stations appear in.
    """
    forward = call_transform("impute_missing_values", case.frame, case.options, case.history)
    backward = call_transform(
        "impute_missing_values", case.frame.iloc[::-1], case.options, case.history
    )
    for column in case.options.columns:
        assert_floats_equivalent(
            backward.frame[column].to_numpy()[::-1], forward.frame[column].to_numpy(), column
        )
        assert np.array_equal(backward.methods[column][::-1], forward.methods[column])
    assert forward.report == backward.report


@PROPERTY_SETTINGS
@given(case=t2_cases())
def test_observed_values_are_kept_and_methods_match_nan(call_transform, case: T2Case) -> None:
    result = call_transform("impute_missing_values", case.frame, case.options, case.history)
    for column in case.options.columns:
        before = pd.to_numeric(case.frame[column], errors="coerce").to_numpy(dtype=np.float64)
        after = result.frame[column].to_numpy()
        codes = result.methods[column]
        observed = ~np.isnan(before)
        assert np.array_equal(after[observed], before[observed])
        assert np.all((codes == 0) == observed)
        assert np.all((codes == 7) == np.isnan(after))
