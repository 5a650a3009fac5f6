"""The numeric core of T2 ``impute_missing_values``: fill one value column.

This is the part of T2 that differs between backends. Validation, time
parsing and frame assembly live in :mod:`backend_harness.imputation`, shared
by every backend, so a backend only has to implement a kernel over one
:class:`backend_harness.kernel_input.KernelInput` (the rust backend's is in
Rust).

Every array here is in *sorted* order: rows sorted by (station, time), the
rows of station group ``k`` being ``group_starts[k]:group_starts[k + 1]``.
The work is linear in rows apart from the sorts inside ``np.unique``: gap
finding is vectorised, there is one ``CubicSpline`` solve per station that has
short interior gaps, and one grouping for the climatology.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.interpolate import CubicSpline

from backend_harness.gaps import Gaps, find_gaps
from backend_harness.kernel_input import KernelInput
from foundations.fill_methods import FillMethod

#: Observed points a station needs for the cubic spline (rule 4); with fewer
#: (2 or 3) its short interior gaps are filled linearly.
MIN_SPLINE_POINTS = 4

#: Rows of evidence grouped at a time in rule 6 (bounds its temporary memory).
EVIDENCE_BLOCK_ROWS = 1 << 16


def _gap_rows(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand gaps into their rows: ``(rows, gap_of_row)``, both int64, ascending."""
    total = int(lengths.sum())
    gap_of_row = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    first_row_of_gap = np.cumsum(lengths) - lengths
    offset_in_gap = np.arange(total, dtype=np.int64) - first_row_of_gap[gap_of_row]
    return starts[gap_of_row] + offset_in_gap, gap_of_row


def impute_kernel(inputs: KernelInput) -> tuple[np.ndarray, np.ndarray]:
    """Fill the gaps of one value column (T2 rules 3-6) on sorted arrays.

    ``inputs`` is checked when it is built (:class:`KernelInput`), so the
    kernel can trust its shapes and dtypes.

    Returns:
        ``(filled, methods)``: float64[n] values with the gaps filled (NaN where
        nothing could fill them) and int8[n] ``FillMethod`` codes. The inputs
        are never modified.
    """
    x, group_starts, values = inputs.x, inputs.group_starts, inputs.values
    clim_key, max_spline_gap = inputs.clim_key, inputs.max_spline_gap
    hist_group, hist_key, hist_values = inputs.hist_group, inputs.hist_key, inputs.hist_values

    observed = ~np.isnan(values)
    filled = values.copy()
    methods = np.where(observed, np.int8(FillMethod.OBSERVED), np.int8(FillMethod.UNFILLED))
    gaps = find_gaps(values, group_starts)
    if len(gaps.starts) == 0:
        return filled, methods

    observed_per_group = np.add.reduceat(observed, group_starts[:-1], dtype=np.int64)
    has_left = gaps.starts > group_starts[gaps.group]
    has_right = gaps.ends < group_starts[gaps.group + 1]
    short = gaps.lengths <= max_spline_gap
    interior = short & has_left & has_right
    spline = interior & (observed_per_group[gaps.group] >= MIN_SPLINE_POINTS)
    linear = interior & ~spline
    edge = short & (has_left != has_right)
    # A series without any observed value is one gap with nothing on either
    # side; it goes to the climatology rule whatever its length.
    long = ~(interior | edge)

    _fill_spline(x, group_starts, values, observed, gaps, spline, filled, methods)
    _fill_linear(x, values, gaps, linear, filled, methods)
    _fill_edge(values, gaps, edge, has_left, filled, methods)
    if long.any():
        _fill_long(
            group_starts,
            values,
            observed,
            clim_key,
            hist_group,
            hist_key,
            hist_values,
            gaps,
            long,
            filled,
            methods,
        )
    return filled, methods


def _fill_spline(
    x: np.ndarray,
    group_starts: np.ndarray,
    values: np.ndarray,
    observed: np.ndarray,
    gaps: Gaps,
    selected: np.ndarray,
    filled: np.ndarray,
    methods: np.ndarray,
) -> None:
    """Rule 4 with >= 4 observed points: one not-a-knot spline per station group."""
    if not selected.any():
        return
    rows, gap_of_row = _gap_rows(gaps.starts[selected], gaps.lengths[selected])
    row_group = gaps.group[selected][gap_of_row]
    # Rows are ascending, so each group's rows are one contiguous block.
    block_groups, block_starts = np.unique(row_group, return_index=True)
    block_ends = np.append(block_starts[1:], len(rows))
    for k, lo, hi in zip(block_groups, block_starts, block_ends, strict=True):
        station = slice(group_starts[k], group_starts[k + 1])
        known = observed[station]
        spline = CubicSpline(x[station][known], values[station][known])
        block = rows[lo:hi]
        filled[block] = spline(x[block])
    methods[rows] = FillMethod.SPLINE


def _fill_linear(
    x: np.ndarray,
    values: np.ndarray,
    gaps: Gaps,
    selected: np.ndarray,
    filled: np.ndarray,
    methods: np.ndarray,
) -> None:
    """Rule 4 with 2 or 3 observed points: straight line between the gap's neighbours."""
    if not selected.any():
        return
    rows, gap_of_row = _gap_rows(gaps.starts[selected], gaps.lengths[selected])
    left = (gaps.starts[selected] - 1)[gap_of_row]
    right = gaps.ends[selected][gap_of_row]
    slope = (values[right] - values[left]) / (x[right] - x[left])
    filled[rows] = values[left] + slope * (x[rows] - x[left])
    methods[rows] = FillMethod.LINEAR


def _fill_edge(
    values: np.ndarray,
    gaps: Gaps,
    selected: np.ndarray,
    has_left: np.ndarray,
    filled: np.ndarray,
    methods: np.ndarray,
) -> None:
    """Rule 5: a short gap at a series' start or end takes the nearest observed value."""
    if not selected.any():
        return
    rows, gap_of_row = _gap_rows(gaps.starts[selected], gaps.lengths[selected])
    nearest = np.where(has_left[selected], gaps.starts[selected] - 1, gaps.ends[selected])
    filled[rows] = values[nearest[gap_of_row]]
    methods[rows] = FillMethod.EDGE


def _evidence_blocks(
    group_starts: np.ndarray,
    values: np.ndarray,
    observed: np.ndarray,
    clim_key: np.ndarray,
    hist_group: np.ndarray,
    hist_key: np.ndarray,
    hist_values: np.ndarray,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(group, clim_key, value)`` of every observed input row, then every known history row.

    Yielded in blocks of at most :data:`EVIDENCE_BLOCK_ROWS` rows, so the
    temporaries of the rule-6 grouping stay small whatever the input size.
    """
    for lo in range(0, len(values), EVIDENCE_BLOCK_ROWS):
        hi = min(lo + EVIDENCE_BLOCK_ROWS, len(values))
        keep = observed[lo:hi]
        rows_per_group = np.diff(np.clip(group_starts, lo, hi))
        group = np.repeat(np.arange(len(rows_per_group), dtype=np.int64), rows_per_group)
        yield group[keep], clim_key[lo:hi][keep], values[lo:hi][keep]
    for lo in range(0, len(hist_values), EVIDENCE_BLOCK_ROWS):
        hi = min(lo + EVIDENCE_BLOCK_ROWS, len(hist_values))
        keep = ~np.isnan(hist_values[lo:hi])
        yield hist_group[lo:hi][keep], hist_key[lo:hi][keep], hist_values[lo:hi][keep]


def _fill_long(
    group_starts: np.ndarray,
    values: np.ndarray,
    observed: np.ndarray,
    clim_key: np.ndarray,
    hist_group: np.ndarray,
    hist_key: np.ndarray,
    hist_values: np.ndarray,
    gaps: Gaps,
    selected: np.ndarray,
    filled: np.ndarray,
    methods: np.ndarray,
) -> None:
    """Rule 6: climatology mean, else station mean, else column mean, else unfilled."""
    rows, gap_of_row = _gap_rows(gaps.starts[selected], gaps.lengths[selected])
    n_groups = len(group_starts) - 1
    rows_group = gaps.group[selected][gap_of_row]

    # The (station group, clim_key) pairs the long rows ask for, as one int64
    # each; sorting just these and binary-searching the evidence into them
    # avoids sorting the evidence.
    key_span = int(max(clim_key.max(initial=0), hist_key.max(initial=0))) + 1
    wanted = rows_group * key_span + clim_key[rows]
    pairs = np.unique(wanted)
    pair_sum = np.zeros(len(pairs))
    pair_count = np.zeros(len(pairs), dtype=np.int64)
    station_sum = np.zeros(n_groups)
    station_count = np.zeros(n_groups, dtype=np.int64)
    global_sum, global_count = 0.0, 0

    blocks = _evidence_blocks(
        group_starts, values, observed, clim_key, hist_group, hist_key, hist_values
    )
    for group, key, value in blocks:
        global_sum += float(value.sum())
        global_count += len(value)
        # History of a station absent from the input (group -1) counts
        # toward the global mean only.
        local = group >= 0
        group, key, value = group[local], key[local], value[local]
        station_sum += np.bincount(group, weights=value, minlength=n_groups)
        station_count += np.bincount(group, minlength=n_groups)
        pair = group * key_span + key
        slot = np.minimum(np.searchsorted(pairs, pair), len(pairs) - 1)
        hit = pairs[slot] == pair
        pair_sum += np.bincount(slot[hit], weights=value[hit], minlength=len(pairs))
        pair_count += np.bincount(slot[hit], minlength=len(pairs))

    result = np.full(len(rows), np.nan)
    code = np.full(len(rows), FillMethod.UNFILLED, dtype=np.int8)
    if global_count:
        result[:] = global_sum / global_count
        code[:] = FillMethod.GLOBAL_MEAN

    use_station = station_count[rows_group] > 0
    result[use_station] = (
        station_sum[rows_group[use_station]] / station_count[rows_group[use_station]]
    )
    code[use_station] = FillMethod.STATION_MEAN

    row_slot = np.searchsorted(pairs, wanted)
    has_climatology = pair_count[row_slot] > 0
    hit = row_slot[has_climatology]
    result[has_climatology] = pair_sum[hit] / pair_count[hit]
    code[has_climatology] = FillMethod.CLIMATOLOGY

    filled[rows] = result
    methods[rows] = code
