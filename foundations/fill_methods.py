"""The provenance codes of imputed values: one vocabulary for transforms and tables.

T2 returns them per row (``TransformOutput.methods``), the weather table
stores their labels (``ta_method``, ``hm_method``) and the rust kernel emits
the same integers, so the codes live below every one of those layers. The rule
numbers refer to T2's contract, ``docs/contracts/transforms.md``.
"""

from __future__ import annotations

import enum


class FillMethod(enum.IntEnum):
    """How a value of an imputed column came to be (T2 rule numbers in comments)."""

    OBSERVED = 0
    SPLINE = 1  # rule 4, >= 4 observed points
    LINEAR = 2  # rule 4, 2 or 3 observed points
    EDGE = 3  # rule 5
    CLIMATOLOGY = 4  # rule 6, (month, day, hour) mean
    STATION_MEAN = 5  # rule 6, first fallback
    GLOBAL_MEAN = 6  # rule 6, second fallback
    UNFILLED = 7  # rule 6, nothing to fill with

    @property
    def label(self) -> str:
        return self.name.lower()
