"""``energy transform NAME INPUT``: run one transform on a file through the registry.

For trying a backend on a recorded payload, comparing backends by hand, or
debugging a production payload without running a flow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from energy_cli.common import check_output, fail, open_registry, require_utf8_text
from foundations.errors import EnergyError
from registry.contracts import TransformOutput

#: The transforms whose input is a raw response body (the file's bytes).
_PAYLOAD_TRANSFORMS = ("wind_to_long", "pv_to_long", "asos_to_frame")


def register(app: typer.Typer) -> None:
    @app.command()
    def transform(
        name: Annotated[
            str,
            typer.Argument(help="find_missing_runs, wind_to_long, pv_to_long or asos_to_frame."),
        ],
        input_file: Annotated[
            Path, typer.Argument(exists=True, dir_okay=False, help="Payload or CSV file.")
        ],
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="CSV to write; default: stdout.")
        ] = None,
        backend: Annotated[
            str | None, typer.Option(help="Backend to use (overrides settings).")
        ] = None,
        env: Annotated[str | None, typer.Option(help="Environment (configs/<env>.toml).")] = None,
        hour_label: Annotated[str, typer.Option(help="wind_to_long: 'end' or 'legacy'.")] = "end",
        fields: Annotated[
            str, typer.Option(help="asos_to_frame: comma-separated value fields.")
        ] = "ta,hm",
        column: Annotated[
            str | None, typer.Option(help="find_missing_runs: the CSV column to scan.")
        ] = None,
    ) -> None:
        """Run transform NAME on INPUT_FILE and write its output as CSV; the call record goes to stderr."""
        if name == "impute_missing_values":
            raise fail(
                "use `energy impute INPUT -o OUTPUT` for impute_missing_values (it has its own options)"
            )
        check_output(output)
        registry = open_registry(env)
        try:
            args, kwargs = _arguments(name, input_file, hour_label, fields, column)
            result = registry.call(name, *args, backend=backend, **kwargs)
        except EnergyError as exc:
            raise fail(str(exc)) from None
        frame = _as_frame(name, result.value)
        text = frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S")
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
        record = result.record.as_dict()
        report = getattr(result.value, "report", None)
        typer.echo(
            json.dumps({"record": record, "report": report}, ensure_ascii=False, default=str),
            err=True,
        )


def _arguments(
    name: str, path: Path, hour_label: str, fields: str, column: str | None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if name == "wind_to_long":
        return (path.read_bytes(),), {"hour_label": hour_label}
    if name == "pv_to_long":
        return (path.read_bytes(),), {}
    if name == "asos_to_frame":
        return (path.read_bytes(),), {"fields": [f.strip() for f in fields.split(",") if f.strip()]}
    if name == "find_missing_runs":
        require_utf8_text(path, "input")
        try:
            frame = pd.read_csv(path, encoding="utf-8")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise EnergyError(
                f"cannot read {path} as a UTF-8 CSV with a header row ({exc}); "
                "give find_missing_runs a UTF-8 CSV file"
            ) from None
        if column is None or column not in frame.columns:
            raise EnergyError(
                f"find_missing_runs needs --column naming one of the CSV's columns: {', '.join(frame.columns)}"
            )
        return (pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64),), {}
    # Unknown names are rejected by the registry itself with the list of valid ones.
    return (path.read_bytes(),), {}


def _as_frame(name: str, value: Any) -> pd.DataFrame:
    if name == "find_missing_runs":
        starts, lengths = value
        return pd.DataFrame({"start": starts, "length": lengths})
    output: TransformOutput = value
    return output.frame
