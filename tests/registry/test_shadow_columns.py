"""Shadow mode compares what T2 computes, not the columns it copies, and never runs on refused input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from foundations.settings import BackendSettings, Settings, TransformSettings
from registry import Registry, TransformInputError, discover_backends, load_settings
from registry.contracts import ImputeOptions, TransformOutput
from registry.equivalence import differences
from registry.hookspecs import hookimpl
from tests.registry.fake_backends import DelegatingBackend

OPTIONS = ImputeOptions(columns=("ta",), with_methods=True)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tm": ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00"],
            "stnNm": ["108"] * 3,
            "ta": [1.0, np.nan, 3.0],
            "note": ["a", "b", "c"],
        }
    )


class EditingBackend(DelegatingBackend):
    """Runs the python T2, then edits its output: a passthrough column, a value or a method."""

    def __init__(self, name: str, edit: str) -> None:
        super().__init__(name)
        self.edit = edit

    @hookimpl
    def impute_missing_values(
        self, frame: Any, options: Any, history: Any, limits: Any = None
    ) -> Any:
        out: TransformOutput = super().impute_missing_values(frame, options, history, limits)
        result = out.frame.copy()
        methods = {c: codes.copy() for c, codes in (out.methods or {}).items()}
        if self.edit == "passthrough":
            result["note"] = ["x", "y", "z"]
        elif self.edit == "value":
            result.loc[1, "ta"] += 1.0
        elif self.edit == "method":
            methods["ta"][1] = 7
        return TransformOutput(frame=result, report=out.report, methods=methods or None)


def shadow_settings(shadow: str) -> Settings:
    # By copy: the shadow is a test plugin without an entry point (load-time
    # validation would rightly refuse its name).
    return load_settings("test").model_copy(
        update={
            "backends": BackendSettings(default="python", failure_policy="fallback"),
            "transforms": {"impute_missing_values": TransformSettings(shadow=shadow)},
        }
    )


def registry_with(shadow: DelegatingBackend) -> Registry:
    backends = discover_backends({shadow.name: shadow})
    return Registry(shadow_settings(shadow.name), backends, environ={}, sample=lambda: 0.0)


def test_t2_shadow_compares_imputed_columns_and_methods_only() -> None:
    # One test for the three edits: an edited passthrough column must match
    # while edited values and method codes still mismatch.
    summaries = {}
    for edit in ("passthrough", "value", "method"):
        reg = registry_with(EditingBackend("editor", edit))
        result = reg.call("impute_missing_values", frame(), OPTIONS, None)
        assert list(result.value.frame["note"]) == ["a", "b", "c"]  # the shadow never leaks
        shadow = result.record.shadow
        assert shadow is not None
        summaries[edit] = (shadow.outcome, shadow.summary.split(":")[0])
    assert summaries == {
        "passthrough": ("match", ""),
        "value": ("mismatch", "column 'ta'"),
        "method": ("mismatch", "methods 'ta'"),
    }


def test_a_frame_over_the_column_limit_fails_before_any_shadow_run() -> None:
    editor = EditingBackend("editor", "passthrough")
    reg = registry_with(editor)
    wide = pd.concat(
        [frame(), pd.DataFrame(np.zeros((3, 100_000)), columns=[f"c{i}" for i in range(100_000)])],
        axis=1,
    )
    with pytest.raises(TransformInputError, match="frame has 100004 columns, more than the limit"):
        reg.call("impute_missing_values", wide, OPTIONS, None)
    assert editor.calls == {}
    assert reg.shadow_counts == {}


def test_differences_over_named_columns() -> None:
    a = frame()
    b = a.assign(note=["x", "y", "z"])
    assert differences(a, b) == [
        "column 'note': 3 values differ at rows 0, 1, 2 (first: expected 'a', got 'x')"
    ]
    assert differences(a, b, columns=["ta"]) == []
    assert differences(a, b.drop(columns="ta"), columns=["ta"]) == [
        "compared columns ['ta'] missing or repeated in the actual frame"
    ]
    assert differences(a, b.iloc[:2], columns=["ta"]) == ["row count 2 != 3"]
