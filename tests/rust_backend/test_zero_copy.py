"""Arrays cross into Rust without a copy, and come back as arrays that own their data."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pandas as pd
import pyarrow

from backend_harness.imputation import prepare
from registry.contracts import ImputeOptions


def as_float_vector(values: np.ndarray) -> np.ndarray:
    # Imported late: without the rust package this module must still collect,
    # so that its tests skip (or fail, where rust is required) with the reason.
    from energy_rust_backend.runs import as_float_vector as convert

    return convert(values)


def test_read_only_input_is_used_in_place(native: ModuleType) -> None:
    values = np.array([1.0, np.nan, np.nan, 3.0, np.nan])
    values.flags.writeable = False
    passed = as_float_vector(values)
    assert passed is values  # the glue neither converts nor copies
    assert native._buffer_address(passed) == values.ctypes.data  # Rust reads this very buffer
    starts, lengths = native.find_missing_runs(passed)
    assert starts.tolist() == [1, 4] and lengths.tolist() == [2, 1]


def test_only_a_strided_view_is_copied(native: ModuleType) -> None:
    base = np.arange(10, dtype=np.float64)
    view = base[::2]
    passed = as_float_vector(view)
    assert passed is not view and passed.flags.c_contiguous
    assert native._buffer_address(passed) != base.ctypes.data


def test_outputs_own_their_memory(native: ModuleType) -> None:
    values = np.array([np.nan, 1.0, np.nan])
    starts, lengths = native.find_missing_runs(values)
    for out in (starts, lengths):
        assert out.dtype == np.int64
        assert not np.shares_memory(out, values)
        assert not isinstance(out.base, np.ndarray)  # backed by the Rust Vec itself
        assert out.flags.writeable
        out[...] = 0  # safe to write: nothing else sees this memory


def test_kernel_reads_prepare_arrays_in_place(native: ModuleType) -> None:
    frame = pd.DataFrame(
        {
            "tm": pd.date_range("2024-01-01", periods=6, freq="h"),
            "stnNm": ["a"] * 6,
            "ta": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0],
            "hm": [1.0] * 6,
        }
    )
    prepared = prepare(frame, ImputeOptions(), None)
    values = prepared.values["ta"]
    assert not values.flags.writeable and values.flags.c_contiguous
    assert native._buffer_address(values) == values.ctypes.data
    filled, methods = native.impute_kernel(
        prepared.x,
        prepared.group_starts,
        values,
        prepared.clim_key,
        prepared.hist_group,
        prepared.hist_key,
        prepared.hist_values["ta"],
        3,
    )
    assert not np.shares_memory(filled, values)
    assert methods.dtype == np.int8 and filled.dtype == np.float64
    assert np.isnan(values[1])  # the input is untouched


def test_frame_columns_are_handed_over_in_place(native: ModuleType) -> None:
    from energy_rust_backend.imputation import _text, _value_spec

    times = ["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 02:00"]
    frame = pd.DataFrame(
        {
            "tm": pd.array(times, dtype=pd.StringDtype("python")),
            "stnNm": np.array(["a", "a", "a"], dtype=object),
            "ta": [1.0, np.nan, 3.0],
        }
    )
    frame["stnNm"] = frame["stnNm"].astype(object)  # pandas 3 would infer str
    values = _value_spec(frame["ta"], "frame", "ta")[1]
    # Rust reads the frame's own float64 buffer ...
    assert native._buffer_address(values) == frame["ta"].to_numpy().ctypes.data
    # ... and the string columns' own object arrays (it borrows each str's UTF-8).
    for column in ("tm", "stnNm"):
        items = _text(frame[column])
        assert isinstance(items, np.ndarray) and np.shares_memory(items, frame[column].to_numpy())


def test_arrow_strings_are_read_from_their_buffers(rust_available: None) -> None:
    # pyarrow is a dependency of the project: no skip when it is "absent".
    from energy_rust_backend.imputation import _text

    column = pd.Series(["2024-01-01 00:00", None, "2024-01-01 02:00"], dtype="string[pyarrow]")
    kind, chunks, missing = _text(column)
    assert (kind, missing) == ("arrow", "<NA>")
    arrow = column.array.__arrow_array__()
    for (offsets, data, validity, _, length), chunk in zip(chunks, arrow.chunks, strict=True):
        _, offsets_buffer, data_buffer = chunk.buffers()
        assert data.ctypes.data == data_buffer.address  # the Arrow buffer itself, not a copy
        assert offsets.ctypes.data == offsets_buffer.address
        assert validity is not None and length == len(chunk) == 3
    assert isinstance(arrow, pyarrow.ChunkedArray)


def test_frame_outputs_own_their_memory(native: ModuleType) -> None:
    ta = np.array([1.0, np.nan, 3.0])
    frame = (
        ("kst_ns", np.arange(3, dtype=np.int64) * 3_600_000_000_000),
        ("text", np.array(["a"] * 3, dtype=object)),
        [("floats", ta)],
    )
    need_frame, need_history, first_rows, columns = native.impute_frame(
        frame, None, ("'tm'", "tm"), ("'stnNm'", "stnNm"), [("'ta'", "ta")], 3
    )
    assert len(need_frame) == len(need_history) == 0 and first_rows.tolist() == [0]
    filled, methods = columns[0][:2]
    assert filled.tolist() == [1.0, 2.0, 3.0] and methods.tolist() == [0, 2, 0]
    for out in columns[0]:
        assert not np.shares_memory(out, ta)
        assert not isinstance(out.base, np.ndarray)  # backed by the Rust Vec itself
