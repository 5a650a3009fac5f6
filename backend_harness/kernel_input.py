"""What a T2 kernel receives: one value column and its context, in sorted order.

A kernel fills the gaps of one value column (T2 rules 3-6). Every backend's
kernel takes a :class:`KernelInput` and returns ``(filled, methods)``:
float64[n] values with the gaps filled (NaN where nothing could fill them) and
int8[n] ``FillMethod`` codes, both in the same sorted order. The harness
(:mod:`backend_harness.imputation`) builds the input from a validated frame
and scatters the result back into input order.

Rows are sorted by (station, time): the rows of station group ``k`` are
``group_starts[k]:group_starts[k + 1]``, ascending in time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class KernelInput:
    """The arrays of one value column, checked when built (a bad one is a caller bug)."""

    #: float64[n]: hours since 1970-01-01 00:00 of each row's KST wall-clock
    #: time; strictly increasing inside a station group.
    x: npt.NDArray[np.float64]
    #: int64[g + 1]: station group boundaries (0 first, n last).
    group_starts: npt.NDArray[np.int64]
    #: float64[n]: the input values; NaN is missing.
    values: npt.NDArray[np.float64]
    #: int64[n]: ``month * 10000 + day * 100 + hour`` of each row (rule 6).
    clim_key: npt.NDArray[np.int64]
    #: int64[h]: the station group of each history row, or -1 for a station
    #: absent from the input (such rows count only toward the global mean).
    hist_group: npt.NDArray[np.int64]
    #: int64[h]: the history rows' ``clim_key``.
    hist_key: npt.NDArray[np.int64]
    #: float64[h]: the history rows' values (NaN is ignored).
    hist_values: npt.NDArray[np.float64]
    #: The longest gap, in hours, filled by the spline, linear or edge rules.
    max_spline_gap: int

    def __post_init__(self) -> None:
        # Coerce once here, not in every kernel: a view when the dtype already
        # matches (the harness's arrays always do), so nothing is copied.
        for name, dtype in _DTYPES.items():
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=dtype))
        self._check()

    @property
    def n_rows(self) -> int:
        return len(self.x)

    @property
    def n_groups(self) -> int:
        return len(self.group_starts) - 1

    def _check(self) -> None:
        n, g = self.n_rows, self.n_groups
        if self.values.shape != (n,) or self.clim_key.shape != (n,):
            raise ValueError(
                f"KernelInput: x, values and clim_key must be 1-D of one length; got shapes "
                f"{self.x.shape}, {self.values.shape}, {self.clim_key.shape}"
            )
        if not self.hist_group.shape == self.hist_key.shape == self.hist_values.shape:
            raise ValueError(
                f"KernelInput: hist_group, hist_key and hist_values must be 1-D of one length; "
                f"got shapes {self.hist_group.shape}, {self.hist_key.shape}, "
                f"{self.hist_values.shape}"
            )
        starts = self.group_starts
        if g < 0 or starts[0] != 0 or starts[-1] != n:
            raise ValueError(
                f"KernelInput: group_starts must run from 0 to {n} (the row count); got "
                f"{starts[:3]}..{starts[-3:]}"
            )
        if n > 0 and np.any(np.diff(starts) <= 0):
            raise ValueError(
                "KernelInput: group_starts must be strictly increasing (no empty group)"
            )
        if len(self.hist_group) and (self.hist_group.min() < -1 or self.hist_group.max() >= g):
            raise ValueError(f"KernelInput: hist_group values must lie in -1..{g - 1}")
        gap = self.max_spline_gap
        if isinstance(gap, bool) or not isinstance(gap, int | np.integer) or gap < 0:
            raise ValueError(f"KernelInput: max_spline_gap must be an int >= 0; got {gap!r}")


_DTYPES: dict[str, type[np.generic]] = {
    "x": np.float64,
    "group_starts": np.int64,
    "values": np.float64,
    "clim_key": np.int64,
    "hist_group": np.int64,
    "hist_key": np.int64,
    "hist_values": np.float64,
}

#: A backend's kernel: one column's input to ``(filled, methods)``.
Kernel = Callable[[KernelInput], tuple[np.ndarray, np.ndarray]]
