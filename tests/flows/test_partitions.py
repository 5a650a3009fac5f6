"""T2 by station partitions equals one T2 call: rows, method codes, report, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import SecretStr

from benchmarks.generator import generate, spec_for_rows
from foundations.errors import TransformInputError
from foundations.fill_methods import FillMethod
from pipeline.partitions import (
    ARCHIVE_STATION,
    BackendSelection,
    InProcess,
    impute_by_station,
    observed_means,
    split_by_station,
)
from registry import ImputeOptions, Settings, build_registry, equivalent, load_settings

OPTIONS = ImputeOptions(with_methods=True)


@pytest.fixture
def settings() -> Settings:
    return load_settings("test")


def _frame_with_a_station_never_observed() -> pd.DataFrame:
    frame = generate(spec_for_rows(6_000))
    lonely = frame[frame["stnNm"] == frame["stnNm"].iloc[0]].copy()
    lonely["stnNm"] = "관측없음"
    lonely["ta"] = np.nan  # rule 6's last fallback: the mean of every station
    return pd.concat([frame, lonely], ignore_index=True)


def test_partitions_give_the_output_of_one_call(settings: Settings) -> None:
    frame = _frame_with_a_station_never_observed()
    one = build_registry(settings).call("impute_missing_values", frame, OPTIONS, None).value
    run = impute_by_station(frame, OPTIONS, None, BackendSelection.of(settings), InProcess())
    out = run.output

    assert out.frame.index.equals(frame.index) and list(out.frame.columns) == list(frame.columns)
    assert out.report == one.report
    assert one.methods is not None and out.methods is not None
    for column in OPTIONS.columns:
        np.testing.assert_array_equal(out.methods[column], one.methods[column])
    assert equivalent(out, one)
    lonely = (frame["stnNm"] == "관측없음").to_numpy()
    assert (out.methods["ta"][lonely] == FillMethod.GLOBAL_MEAN).all()
    expected_mean = np.nanmean(frame["ta"].to_numpy(dtype=float))
    np.testing.assert_allclose(out.frame["ta"][lonely], expected_mean, rtol=1e-12)
    assert len(run.partitions) == frame["stnNm"].nunique()


def test_text_input_and_history_partition_like_one_call(settings: Settings) -> None:
    """A CSV read as text (every cell a string) with a history file, as `energy impute` reads them."""
    frame = generate(spec_for_rows(3_000))
    history = frame.iloc[::7].copy()
    history["tm"] = history["tm"] - pd.Timedelta(days=400)
    text = frame.astype(str).replace("nan", "")
    history_text = history.astype(str).replace("nan", "")
    one = build_registry(settings).call("impute_missing_values", text, OPTIONS, history_text).value
    run = impute_by_station(text, OPTIONS, history_text, BackendSelection.of(settings), InProcess())
    assert equivalent(run.output, one)
    assert run.output.report == one.report


def test_a_partition_error_names_the_rows_as_one_call_does(settings: Settings) -> None:
    frame = generate(spec_for_rows(300))
    frame = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)  # a duplicate (station, time)
    with pytest.raises(TransformInputError) as whole:
        build_registry(settings).call("impute_missing_values", frame, OPTIONS, None)
    with pytest.raises(TransformInputError) as parted:
        impute_by_station(frame, OPTIONS, None, BackendSelection.of(settings), InProcess())
    assert str(parted.value) == str(whole.value)
    assert "300" in str(parted.value)  # the duplicate's position in the whole input


def test_every_partition_carries_the_global_mean_and_its_own_history() -> None:
    frame = pd.DataFrame(
        {"tm": ["2024-01-01 00:00", "2024-01-01 00:00"], "stnNm": ["a", "b"], "ta": ["1", "x"],
         "hm": [2.0, 4.0]}
    )  # fmt: skip
    history = pd.DataFrame(
        {"tm": ["2023-01-01 00:00"], "stnNm": ["b"], "ta": [5.0], "hm": [np.nan]}
    )
    assert observed_means([frame, history], ("ta", "hm")) == {"ta": 3.0, "hm": 3.0}
    a, b = split_by_station(frame, OPTIONS, history)
    assert (a.station, b.station) == ("a", "b")
    assert a.history is not None and list(a.history["stnNm"]) == [ARCHIVE_STATION]
    assert b.history is not None and list(b.history["stnNm"]) == ["b", ARCHIVE_STATION]
    assert b.history["ta"].iloc[-1] == 3.0


def test_the_reserved_station_name_is_refused() -> None:
    frame = pd.DataFrame(
        {"tm": ["2024-01-01 00:00"], "stnNm": [ARCHIVE_STATION], "ta": [1.0], "hm": [1.0]}
    )
    with pytest.raises(TransformInputError, match="reserved"):
        split_by_station(frame, OPTIONS)


def test_backend_selection_travels_without_secrets(settings: Settings) -> None:
    secret = "postgresql+psycopg://u:Zq9-s3cret@db.invalid/x"
    loaded = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": SecretStr(secret)})}
    )
    selection = BackendSelection.of(
        loaded, {"ENERGY_BACKEND": "python", "ENERGY_BACKEND_PV_TO_LONG": "rust", "HOME": "/x"}
    )
    assert selection.environ == {"ENERGY_BACKEND": "python", "ENERGY_BACKEND_PV_TO_LONG": "rust"}
    assert "Zq9-s3cret" not in selection.settings.database.url.get_secret_value()
    assert loaded.database.url.get_secret_value() == secret  # the caller's settings are untouched
    assert selection.registry().choose("impute_missing_values").backend == "python"
