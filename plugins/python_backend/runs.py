"""T1 ``find_missing_runs``: the maximal runs of NaN in a 1-D float64 array.

One vectorised pass: pad the NaN mask with ``False`` on both sides, take its
first difference; ``+1`` marks where a run starts, ``-1`` one past where it
ends. (The legacy code walked the series with ``.iloc[i]``.)
"""

from __future__ import annotations

import numpy as np

from backend_harness.arguments import as_float_vector

_EMPTY = np.empty(0, dtype=np.int64)


def find_missing_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(starts, lengths)`` (int64) of the maximal NaN runs of ``values``, in order."""
    arr = as_float_vector(values)
    missing = np.isnan(arr)
    if not missing.any():
        return _EMPTY.copy(), _EMPTY.copy()
    edges = np.diff(np.concatenate(([0], missing.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return starts.astype(np.int64, copy=False), (ends - starts).astype(np.int64, copy=False)
