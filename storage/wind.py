"""Loading T3 ``wind_to_long`` output into ``wind_generation_hourly`` (upsert on the natural key)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from storage.engine import write_transaction
from storage.frames import ColumnKind, PreparedRows, require_columns
from storage.schema import wind_generation_hourly
from storage.upsert import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COPY_THRESHOLD,
    LoadResult,
    upsert_in_transaction,
)

#: Frame column (same name in the table) and its kind, in table order.
WIND_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("plant_code", "str"),
    ("unit", "int"),
    ("timestamp", "kst"),
    ("plant_name", "str"),
    ("generation", "float"),
)
WIND_KEYS: tuple[str, ...] = ("plant_code", "unit", "timestamp")

_WHAT = "wind load (T3 wind_to_long frame)"


def load_wind(
    engine: Engine,
    frame: pd.DataFrame,
    *,
    copy_threshold: int = DEFAULT_COPY_THRESHOLD,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadResult:
    """Upsert ``frame`` in one transaction: all rows are written or none.

    Rows with a key already stored replace the stored values (a re-run is
    idempotent); within the frame the last row of a duplicated key wins, as in
    T3. ``generation`` NaN is stored as NULL.
    """
    require_columns(frame, [name for name, _ in WIND_COLUMNS], _WHAT)
    duplicated = frame.duplicated(subset=list(WIND_KEYS), keep="last").to_numpy()
    rows = PreparedRows.from_frame(frame.loc[~duplicated], WIND_COLUMNS, _WHAT)
    method = "executemany"
    if len(rows):
        with write_transaction(engine) as conn:
            method = upsert_in_transaction(
                conn,
                wind_generation_hourly,
                WIND_KEYS,
                rows,
                copy_threshold=copy_threshold,
                batch_size=batch_size,
            )
    return LoadResult(wind_generation_hourly.name, len(rows), int(duplicated.sum()), method)
