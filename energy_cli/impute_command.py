"""``energy impute INPUT -o OUTPUT``: fill the gaps of a CSV or Parquet file with T2 through the registry.

A CSV is read as text (every cell a string), so columns that are not
imputed are written back exactly as they came; the imputed columns are
written as floats (shortest round-trip form, empty cell for a value left
unfilled). A Parquet file (``.parquet``) is read and written with its
column types. A summary table shows gaps by length, rows filled per method,
rows unfilled, and which backend ran, chosen by which rule, in how long.

With ``--workers N`` or ``--scheduler ADDRESS`` the input is split by station
and imputed on a Dask cluster (:mod:`pipeline.partitions`); the output is the
same as in one process.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from energy_cli.common import check_output, fail, open_registry, require_utf8_text
from foundations.errors import EnergyError
from foundations.settings import Settings
from registry.contracts import FillMethod, ImputeOptions, TransformOutput
from registry.records import CallRecord

InputArg = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        help="CSV or Parquet (.parquet) with time, station and value columns.",
    ),
]
OutputOpt = Annotated[
    Path,
    typer.Option(
        "-o", "--output", help="CSV or Parquet (.parquet) to write (the input's rows, gaps filled)."
    ),
]
BackendOpt = Annotated[
    str | None, typer.Option(help="Backend to use (overrides settings and env vars).")
]
EnvOpt = Annotated[
    str | None, typer.Option(help="Environment (configs/<env>.toml); default $ENERGY_ENV.")
]
TimeColOpt = Annotated[
    str, typer.Option(help="Time column (KST unless a value carries an offset).")
]
StationColOpt = Annotated[str, typer.Option(help="Station column.")]
ColumnsOpt = Annotated[str, typer.Option(help="Comma-separated value columns to fill.")]
MaxGapOpt = Annotated[int, typer.Option(min=0, help="Longest gap filled by spline/linear/edge.")]
HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        exists=True,
        dir_okay=False,
        help="CSV or Parquet of earlier observations (climatology evidence).",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Impute per station on a local Dask cluster of N worker processes.",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Impute per station on the running Dask cluster at this address (tcp://host:8786).",
    ),
]
FlagsOpt = Annotated[
    bool, typer.Option("--flags", help="Add a <column>_method label column per filled column.")
]

#: Report labels in rule order, for the summary table.
METHOD_LABELS = [m.label for m in FillMethod if m not in (FillMethod.OBSERVED, FillMethod.UNFILLED)]


def read_text_csv(path: Path, what: str, max_columns: int) -> pd.DataFrame:
    """A CSV as text: every cell a ``str``, empty cells as empty strings.

    The header is counted first: a file with more than ``max_columns``
    (``[limits] max_columns``) is refused before pandas parses it, because
    parsing a million-column row costs far more than the refusal T2 would
    give it afterwards.
    """
    require_utf8_text(path, what)
    header = _header_columns(path)
    if header > max_columns:
        raise EnergyError(
            f"{what} {path} has {header} columns, more than the limit of {max_columns}; "
            "impute a file with only the time, station and value columns, or raise "
            "[limits] max_columns (ENERGY_LIMITS__MAX_COLUMNS)"
        )
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise EnergyError(
            f"cannot read {what} {path} as a UTF-8 CSV with a header row: {exc}"
        ) from exc


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def read_table(path: Path, what: str, max_columns: int) -> pd.DataFrame:
    """A CSV as text (:func:`read_text_csv`) or a Parquet file with its column types."""
    if not is_parquet(path):
        return read_text_csv(path, what, max_columns)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # The schema is in the footer: the column count is known before any data is read.
        columns = len(pq.read_schema(path).names)
        if columns > max_columns:
            raise EnergyError(
                f"{what} {path} has {columns} columns, more than the limit of {max_columns}; "
                "impute a file with only the time, station and value columns, or raise "
                "[limits] max_columns (ENERGY_LIMITS__MAX_COLUMNS)"
            )
        return pd.read_parquet(path)
    except (pa.ArrowException, OSError) as exc:
        raise EnergyError(f"cannot read {what} {path} as Parquet: {exc}") from exc


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` to ``path``: Parquet for ``.parquet``, UTF-8 CSV otherwise."""
    if is_parquet(path):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8")


def _header_columns(path: Path) -> int:
    """Columns of the CSV header, counted on its first line without parsing the file."""
    with path.open(encoding="utf-8", newline="") as handle:
        first = handle.readline()
    return len(next(csv.reader([first]), []))


def parse_columns(text: str) -> tuple[str, ...]:
    columns = tuple(c.strip() for c in text.split(",") if c.strip())
    if not columns:
        raise EnergyError("--columns needs at least one column name, e.g. --columns ta,hm")
    return columns


def output_frame(output: TransformOutput, options: ImputeOptions, flags: bool) -> pd.DataFrame:
    """The frame to write: the transform's output plus ``<col>_method`` labels if ``flags``."""
    frame = output.frame
    if flags:
        assert output.methods is not None  # requested through options.with_methods
        labels = {code.value: code.label for code in FillMethod}
        frame = frame.assign(
            **{f"{c}_method": [labels[int(v)] for v in output.methods[c]] for c in options.columns}
        )
    return frame


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per column, over all stations: gaps by length, rows per method, rows unfilled."""
    rows = []
    for column, stations in report.items():
        gaps: Counter[int] = Counter()
        methods: Counter[str] = Counter()
        unfilled = 0
        for entry in stations.values():
            gaps.update(entry["gaps_by_length"])
            methods.update(entry["methods"])
            unfilled += entry["unfilled"]
        rows.append(
            {"column": column, "stations": len(stations), "gaps_by_length": dict(sorted(gaps.items())),
             "methods": {m: methods[m] for m in METHOD_LABELS if methods[m]}, "unfilled": unfilled}
        )  # fmt: skip
    return rows


def print_summary(
    console: Console, output: TransformOutput, records: list[CallRecord], input_rows: int
) -> None:
    """One table with a column per imputed column, then the call records on one line."""
    rows = summary_rows(output.report)
    table = Table(title=f"impute_missing_values: {input_rows} input rows")
    table.add_column("")
    for row in rows:
        table.add_column(row["column"], justify="right")
    table.add_row("stations", *[str(row["stations"]) for row in rows])
    table.add_row(
        "gaps (length: count)",
        *[
            ", ".join(f"{n}: {count}" for n, count in row["gaps_by_length"].items()) or "-"
            for row in rows
        ],
    )
    for label in METHOD_LABELS:
        if any(row["methods"].get(label) for row in rows):
            table.add_row(f"filled: {label}", *[str(row["methods"].get(label, 0)) for row in rows])
    table.add_row("unfilled", *[str(row["unfilled"]) for row in rows])
    console.print(table)
    if len(records) == 1:
        record = records[0]
        fallback = f", fell back: {record.fallback_reason}" if record.fallback_reason else ""
        console.print(
            f"backend: {record.used} (requested {record.requested}, rule {record.rule}{fallback}); "
            f"time: {record.duration_s * 1000:.1f} ms",
            soft_wrap=True,
        )
        return
    used = Counter(r.used for r in records)
    fallbacks = sum(1 for r in records if r.fallback_reason)
    shadows = Counter(f"{r.shadow.backend} {r.shadow.outcome}" for r in records if r.shadow)
    parts = [", ".join(f"{name} on {n}" for name, n in sorted(used.items())) + " partition(s)"]
    if fallbacks:
        parts.append(f"{fallbacks} fell back")
    if shadows:
        parts.append("shadow " + ", ".join(f"{k}: {n}" for k, n in sorted(shadows.items())))
    console.print(
        f"backend: {'; '.join(parts)}; rule {records[0].rule}; "
        f"time in T2: {sum(r.duration_s for r in records) * 1000:.1f} ms",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``impute`` command to ``app``."""

    @app.command()
    def impute(
        input_file: InputArg,
        output: OutputOpt,
        backend: BackendOpt = None,
        env: EnvOpt = None,
        time_col: TimeColOpt = "tm",
        station_col: StationColOpt = "stnNm",
        columns: ColumnsOpt = "ta,hm",
        max_spline_gap: MaxGapOpt = 3,
        history: HistoryOpt = None,
        flags: FlagsOpt = False,
        workers: WorkersOpt = None,
        scheduler: SchedulerOpt = None,
    ) -> None:
        """Fill the gaps of INPUT_FILE's value columns per station and write OUTPUT."""
        check_output(output)
        registry = open_registry(env)
        if backend is not None and (workers or scheduler):
            raise fail(
                "--backend applies in this process only; on a cluster choose the backend with "
                "ENERGY_BACKEND or the settings, which every worker follows"
            )
        try:
            options = ImputeOptions(
                time_col=time_col,
                station_col=station_col,
                columns=parse_columns(columns),
                max_spline_gap=max_spline_gap,
                with_methods=flags,
            )
            max_columns = registry.settings.limits.max_columns
            frame = read_table(input_file, "input", max_columns)
            history_frame = (
                read_table(history, "history", max_columns) if history is not None else None
            )
            if workers or scheduler:
                imputed, records = _on_cluster(
                    registry.settings, frame, options, history_frame, workers, scheduler
                )
            else:
                result = registry.call(
                    "impute_missing_values", frame, options, history_frame, backend=backend
                )
                imputed, records = result.value, [result.record]
        except EnergyError as exc:
            raise fail(str(exc)) from None
        write_table(output_frame(imputed, options, flags), output)
        print_summary(Console(), imputed, records, len(frame))
        typer.echo(f"wrote {output}")


def _on_cluster(
    settings: Settings,
    frame: pd.DataFrame,
    options: ImputeOptions,
    history: pd.DataFrame | None,
    workers: int | None,
    scheduler: str | None,
) -> tuple[TransformOutput, list[CallRecord]]:
    from pipeline.cluster import DaskRunner, cluster_client
    from pipeline.partitions import BackendSelection, impute_by_station

    with cluster_client(settings.cluster, workers=workers, scheduler=scheduler) as client:
        runner = DaskRunner(client, settings.cluster.partitions_per_worker)
        run = impute_by_station(frame, options, history, BackendSelection.of(settings), runner)
    return run.output, run.records
