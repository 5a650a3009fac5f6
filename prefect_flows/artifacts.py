"""The run's summary as Prefect artifacts: a markdown report and a table of backends.

Rendering (:func:`summary_markdown`) is plain text work, testable without
Prefect; :func:`publish` needs a Prefect run context and is called by the
flows only.
"""

from __future__ import annotations

from pipeline.summary import FlowSummary


def artifact_key(summary: FlowSummary, kind: str) -> str:
    """A stable key per flow and kind (Prefect keys: lowercase letters, digits, dashes)."""
    return f"{summary.flow.replace('_', '-')}-{kind}"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def summary_markdown(summary: FlowSummary) -> str:
    """The report: outcome, counts, backend per transform, fills per method, drift, error."""
    lines = [
        f"# {summary.flow} {summary.period}: {summary.status}",
        "",
        "| | |",
        "| --- | --- |",
        f"| source | {summary.source} |",
        f"| run id | {summary.run_id} |",
        f"| bodies fetched | {summary.bodies} |",
        f"| rows fetched | {summary.rows_fetched} |",
        f"| rows loaded | {summary.rows_loaded} |",
        f"| wall time (s) | {summary.wall_time_s} |",
    ]
    lines += [
        f"| {_cell(key)} | {_cell(value)} |"
        for key, value in summary.details.items()
        if key != "wall_time_s"
    ]
    lines += ["", "## Backend per transform", ""]
    rows = summary.backend_rows()
    if rows:
        lines += [
            "| transform | requested | used | rule | calls | rows | fallback reasons |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {r['transform']} | {r['requested']} | {r['used']} | {_cell(r['rule'])} | {r['calls']} "
            f"| {r['rows']} | {_cell('; '.join(r['fallback_reasons']) or '-')} |"
            for r in rows
        ]
    else:
        lines.append("No transform ran (nothing was fetched).")
    if summary.filled or summary.unfilled:
        lines += [
            "",
            "## Gaps filled per method",
            "",
            "| column | method | rows |",
            "| --- | --- | --- |",
        ]
        for column, methods in summary.filled.items():
            lines += [f"| {column} | {method} | {rows} |" for method, rows in methods.items()]
            lines.append(f"| {column} | unfilled | {summary.unfilled.get(column, 0)} |")
    if summary.drift_warnings:
        lines += ["", "## Schema drift warnings", ""]
        lines += [f"- {_cell(w)}" for w in summary.drift_warnings]
    if summary.error:
        lines += ["", "## Error", "", "```", summary.error, "```"]
    return "\n".join(lines) + "\n"


def publish(summary: FlowSummary) -> None:
    """Create the markdown and table artifacts of ``summary`` in the current Prefect run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        markdown=summary_markdown(summary),
        key=artifact_key(summary, "summary"),
        description=f"{summary.flow} {summary.period}: {summary.status}",
    )
    table = [
        {**row, "fallback_reasons": "; ".join(row["fallback_reasons"])}
        for row in summary.backend_rows()
    ]
    if table:
        create_table_artifact(
            table=table,
            key=artifact_key(summary, "backends"),
            description=f"backend per transform, {summary.flow} {summary.period}",
        )
