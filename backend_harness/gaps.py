"""Gaps: the maximal runs of missing values inside station groups (T2 rule 3).

Both the kernels (which fill the gaps) and the report (which counts them by
length) need the same definition, so it lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Gaps:
    """Maximal runs of NaN inside station groups, in ascending row order.

    ``starts[i]:starts[i] + lengths[i]`` are the rows of gap ``i``; ``group[i]``
    is the index of its station group. A run never crosses a group boundary.
    """

    starts: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]
    group: npt.NDArray[np.int64]

    @property
    def ends(self) -> npt.NDArray[np.int64]:
        """One past the last row of each gap."""
        return self.starts + self.lengths


def group_ids(group_starts: np.ndarray) -> np.ndarray:
    """The station group index of every sorted row (int64[n])."""
    sizes = np.diff(group_starts)
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def find_gaps(values: np.ndarray, group_starts: np.ndarray) -> Gaps:
    """The maximal runs of NaN of ``values`` within each station group (rule 3)."""
    missing = np.isnan(values)
    n = len(values)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Gaps(empty, empty, empty)
    first_of_group = np.zeros(n, dtype=bool)
    first_of_group[group_starts[:-1]] = True
    last_of_group = np.zeros(n, dtype=bool)
    last_of_group[group_starts[1:] - 1] = True

    previous_missing = np.zeros(n, dtype=bool)
    previous_missing[1:] = missing[:-1]
    next_missing = np.zeros(n, dtype=bool)
    next_missing[:-1] = missing[1:]

    starts = np.flatnonzero(missing & (first_of_group | ~previous_missing))
    ends = np.flatnonzero(missing & (last_of_group | ~next_missing)) + 1
    group = np.searchsorted(group_starts, starts, side="right") - 1
    return Gaps(starts.astype(np.int64), (ends - starts).astype(np.int64), group.astype(np.int64))
