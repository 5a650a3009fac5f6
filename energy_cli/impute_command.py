"""``energy impute INPUT -o OUTPUT``: fill the gaps of a CSV file with T2 through the registry.

The CSV is read as text (every cell a string), so columns that are not
imputed are written back exactly as they came; the imputed columns are
written as floats (shortest round-trip form, empty cell for a value left
unfilled). A summary table shows gaps by length, rows filled per method,
rows unfilled, and which backend ran, chosen by which rule, in how long.
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
from registry.contracts import FillMethod, ImputeOptions, TransformOutput
from registry.records import CallResult

InputArg = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, help="CSV with time, station and value columns."),
]
OutputOpt = Annotated[
    Path, typer.Option("-o", "--output", help="CSV to write (the input's rows, gaps filled).")
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
        exists=True, dir_okay=False, help="CSV of earlier observations (climatology evidence)."
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


def print_summary(console: Console, result: CallResult, input_rows: int) -> None:
    """One table with a column per imputed column, then the call record on one line."""
    rows = summary_rows(result.value.report)
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
    record = result.record
    fallback = f", fell back: {record.fallback_reason}" if record.fallback_reason else ""
    console.print(
        f"backend: {record.used} (requested {record.requested}, rule {record.rule}{fallback}); "
        f"time: {record.duration_s * 1000:.1f} ms",
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
    ) -> None:
        """Fill the gaps of INPUT_FILE's value columns per station and write OUTPUT."""
        check_output(output)
        registry = open_registry(env)
        try:
            options = ImputeOptions(
                time_col=time_col,
                station_col=station_col,
                columns=parse_columns(columns),
                max_spline_gap=max_spline_gap,
                with_methods=flags,
            )
            max_columns = registry.settings.limits.max_columns
            frame = read_text_csv(input_file, "input", max_columns)
            history_frame = (
                read_text_csv(history, "history", max_columns) if history is not None else None
            )
            result = registry.call(
                "impute_missing_values", frame, options, history_frame, backend=backend
            )
        except EnergyError as exc:
            raise fail(str(exc)) from None
        output_frame(result.value, options, flags).to_csv(output, index=False, encoding="utf-8")
        print_summary(Console(), result, len(frame))
        typer.echo(f"wrote {output}")
