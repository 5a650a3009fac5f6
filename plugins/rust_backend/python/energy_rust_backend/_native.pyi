"""Type stubs of the compiled module ``energy_rust_backend._native`` (PyO3)."""

import numpy as np
import numpy.typing as npt

__all__ = [
    "API_VERSION",
    "InputError",
    "PortalError",
    "RustPanic",
    "__version__",
    "_buffer_address",
    "_panic_for_tests",
    "_parse_times",
    "asos_to_frame",
    "asos_to_frame_batch",
    "find_missing_runs",
    "impute_frame",
    "impute_kernel",
    "pv_to_long",
    "pv_to_long_batch",
    "wind_to_long",
    "wind_to_long_batch",
]

#: The hook contract version compiled into the module (registry.contracts.API_VERSION).
API_VERSION: int
__version__: str

class InputError(Exception):
    """Malformed input, ``args == (message, body_index or None)``; re-raised as TransformInputError."""

class PortalError(Exception):
    """A portal error body; ``args == (code, message, body_index or None)``."""

class RustPanic(RuntimeError):
    """A panic inside the native code, caught before it reached Python."""

_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_Strings = tuple[list[str], npt.NDArray[np.uint32]]

def find_missing_runs(values: _F64) -> tuple[_I64, _I64]: ...
def impute_kernel(
    x: _F64,
    group_starts: _I64,
    values: _F64,
    clim_key: _I64,
    hist_group: _I64,
    hist_key: _I64,
    hist_values: _F64,
    max_spline_gap: int,
    threads: int = 0,
) -> tuple[_F64, npt.NDArray[np.int8]]: ...

# T2 columns, as tagged tuples (energy_rust_backend.imputation builds them):
# text: an object array of str (and missing values), or the chunks of an Arrow
#   string/large_string array: ("arrow", [(offsets int32|int64, data uint8,
#   validity uint8 | None, offset, length)...], repr(missing value))
# times: ("kst_ns", int64[n]) naive datetime64[ns] | ("utc_ns", int64[n]) tz-aware,
#   UTC | ("text", text, None | (rows int64, ns int64)) | ("failed", message)
# stations: ("text", text) | ("codes", int64[n], [repr per code])
#   | ("groups", int64[n]) (history only) | ("failed", message)
# values: ("floats", float64[n]) | ("text", text) | ("failed", message)
_ArrowChunk = tuple[
    npt.NDArray[np.int32] | _I64, npt.NDArray[np.uint8], npt.NDArray[np.uint8] | None, int, int
]
_Text = npt.NDArray[np.object_] | tuple[str, list[_ArrowChunk], str]
_Times = tuple[str, _I64] | tuple[str, _Text, tuple[_I64, _I64] | None] | tuple[str, str]
_Stations = tuple[str, _I64] | tuple[str, _Text] | tuple[str, _I64, list[str]] | tuple[str, str]
_Values = tuple[str, _F64] | tuple[str, _Text] | tuple[str, str]
_Table = tuple[_Times, _Stations, list[_Values]]
_ColumnResult = tuple[_F64, npt.NDArray[np.int8], _I64, _I64, _I64, _I64]

def impute_frame(
    frame: _Table,
    history: _Table | str | None,
    time_col: tuple[str, str],
    station_col: tuple[str, str],
    columns: list[tuple[str, str]],
    max_spline_gap: int,
    threads: int = 0,
) -> tuple[_I64, _I64, _I64, list[_ColumnResult]]: ...
def wind_to_long(
    body: bytes, hour_label: str, records: bool, max_body_bytes: int, max_json_depth: int
) -> tuple[_I64, _Strings, _I64, _Strings, _F64, tuple[int, int, int]]: ...
def wind_to_long_batch(
    bodies: list[bytes], hour_label: str, max_body_bytes: int, max_json_depth: int
) -> tuple[_I64, _Strings, _I64, _Strings, _F64, tuple[int, int, int]]: ...
def pv_to_long(
    body: bytes, records: bool, max_body_bytes: int
) -> tuple[
    _I64, _Strings, _Strings, _I64, _F64, tuple[_F64, _F64, _F64, _F64], tuple[int, int]
]: ...
def pv_to_long_batch(
    bodies: list[bytes], max_body_bytes: int
) -> tuple[
    _I64, _Strings, _Strings, _I64, _F64, tuple[_F64, _F64, _F64, _F64], tuple[int, int]
]: ...
def asos_to_frame(
    body: bytes, fields: list[str], max_body_bytes: int, max_json_depth: int
) -> tuple[_I64, _I64, _Strings, list[_F64]]: ...
def asos_to_frame_batch(
    bodies: list[bytes], fields: list[str], max_body_bytes: int, max_json_depth: int
) -> tuple[_I64, _I64, _Strings, list[_F64]]: ...
def _buffer_address(values: _F64) -> int: ...
def _panic_for_tests(*_args: object) -> None: ...
def _parse_times(values: npt.NDArray[np.object_]) -> _I64: ...
