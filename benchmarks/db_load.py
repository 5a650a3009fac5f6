"""PostgreSQL load benchmark: the executemany path against the COPY path, wind-shaped rows.

Run::

    uv run python -m benchmarks.db_load                 # 10k, 100k, 1M rows
    uv run python -m benchmarks.db_load --write-docs    # also update the docs section + PNG

Each measurement is one ``Storage.load_wind(frame)`` call into an empty
``wind_generation_hourly`` table (TRUNCATE and CHECKPOINT before each), timed
end to end: frame -> Python rows -> database -> COMMIT. The two paths differ
only in ``copy_threshold``:

* ``executemany``: ``INSERT ... ON CONFLICT DO UPDATE`` through psycopg 3's
  ``executemany`` (pipelined), batches of 5,000 rows, one transaction;
* ``copy``: ``COPY`` into a TEMP staging table, then one
  ``INSERT ... SELECT ... ON CONFLICT DO UPDATE``, one transaction.

A "reload" row loads the same frame again (every key conflicts: the update
path). The server is ``ENERGY_TEST_POSTGRES_URL`` if set, else a throwaway
cluster with PostgreSQL's durable defaults (fsync on, unlike the test
cluster). Only measured numbers are reported; nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from storage import Storage
from storage.engine import write_transaction
from storage.frames import PreparedRows
from storage.schema import wind_generation_hourly
from storage.upsert import copy_to_stage, insert_from_stage
from storage.wind import WIND_COLUMNS, WIND_KEYS
from tests.postgres_server import URL_VAR, find_server_bindir, start_cluster

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DOCS = PROJECT_ROOT / "docs" / "pipeline_benchmarks.md"
PNG = PROJECT_ROOT / "docs" / "img" / "db_load.png"
SECTION = "## PostgreSQL load"
COMMAND = "uv run python -m benchmarks.db_load --write-docs"
TABLE = "wind_generation_hourly"
PLANTS = 20


@dataclass(frozen=True)
class Measurement:
    rows: int
    method: str
    phase: str  # "insert" (empty table) or "reload" (every key conflicts)
    seconds: list[float]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def wind_rows(rows: int, seed: int = 0) -> pd.DataFrame:
    """A T3-shaped frame of ``rows`` rows: PLANTS units, hourly, ~5% missing generation."""
    hours = -(-rows // PLANTS)
    rng = np.random.default_rng(seed)
    times = pd.date_range("2015-01-01", periods=hours, freq="h").astype("datetime64[ns]")
    plant = np.repeat(np.arange(PLANTS), hours)
    generation = rng.gamma(2.0, 800.0, size=plant.size)
    generation[rng.random(plant.size) < 0.05] = np.nan
    frame = pd.DataFrame(
        {
            "timestamp": np.tile(times.to_numpy(), PLANTS),
            "plant_code": pd.Series([f"{1000 + p // 2}" for p in plant], dtype="str"),
            "unit": (plant % 2 + 1).astype(np.int64),
            "plant_name": pd.Series([f"풍력 {p // 2} {p % 2 + 1}" for p in plant], dtype="str"),
            "generation": generation,
        }
    )
    return frame.iloc[:rows].reset_index(drop=True)


@contextmanager
def server(url: str | None) -> Iterator[tuple[URL, str]]:
    """The server to measure on and a description of it."""
    if url:
        yield make_url(url), f"{URL_VAR} server"
        return
    bindir = find_server_bindir()
    if bindir is None:
        sys.exit(f"no PostgreSQL: set {URL_VAR} or install the server (apt-get install postgresql)")
    cluster = start_cluster(bindir, settings={})
    try:
        yield cluster.url, f"throwaway cluster ({bindir}), default durable settings"
    finally:
        cluster.stop()


def reset(db: Storage) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLE}"))
    if can_checkpoint(db):
        with db.engine.connect() as conn:
            # Flush the previous run's dirty pages now, not during the next measurement.
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("CHECKPOINT"))


def can_checkpoint(db: Storage) -> bool:
    """CHECKPOINT needs a superuser or pg_checkpoint (CI's role has neither)."""
    with db.engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') "
                    "FROM pg_roles WHERE rolname = current_user"
                )
            ).scalar()
        )


def timed_load(db: Storage, frame: pd.DataFrame, expected_method: str) -> float:
    started = time.perf_counter()
    result = db.load_wind(frame)
    elapsed = time.perf_counter() - started
    if result.method != expected_method or result.rows != len(frame):
        raise RuntimeError(f"unexpected load result {result}")
    return elapsed


def measure(
    url: URL, sizes: list[int], executemany_max: int, repeats: int, reload_sizes: set[int]
) -> list[Measurement]:
    results = []
    thresholds = {"copy": 0, "executemany": 2**62}
    for rows in sizes:
        frame = wind_rows(rows)
        for method, threshold in thresholds.items():
            if method == "executemany" and rows > executemany_max:
                print(
                    f"  {rows:>9,} {method:<11} skipped (--executemany-max {executemany_max:,})",
                    flush=True,
                )
                continue
            with Storage.from_url(url, copy_threshold=threshold) as db:
                db.create_schema()
                runs = repeats if rows < 1_000_000 else 1
                inserts, reloads = [], []
                for _ in range(runs):
                    reset(db)
                    inserts.append(timed_load(db, frame, method))
                    if rows in reload_sizes:
                        reloads.append(timed_load(db, frame, method))
                    if db.counts()[TABLE] != rows:
                        raise RuntimeError("row count after load is wrong")
            results.append(Measurement(rows, method, "insert", inserts))
            if reloads:
                results.append(Measurement(rows, method, "reload", reloads))
            for m in results[-2 if reloads else -1 :]:
                print(
                    f"  {rows:>9,} {method:<11} {m.phase:<6} best {m.best:8.3f} s  "
                    f"({rows / m.best:>10,.0f} rows/s)  runs {[f'{s:.3f}' for s in m.seconds]}",
                    flush=True,
                )
    return results


def copy_phases(url: URL, rows: int) -> dict[str, float]:
    """The COPY path of one load split into its steps, each timed (same code as ``load_wind``)."""
    frame = wind_rows(rows)
    phases: dict[str, float] = {}
    with Storage.from_url(url) as db:
        db.create_schema()
        reset(db)
        started = time.perf_counter()
        kept = frame.loc[~frame.duplicated(subset=list(WIND_KEYS), keep="last").to_numpy()]
        prepared = PreparedRows.from_frame(kept, WIND_COLUMNS, "benchmark")
        phases["check and normalise the frame (client)"] = time.perf_counter() - started
        started = time.perf_counter()
        chunks = list(prepared.copy_chunks())
        phases["format COPY text (client)"] = time.perf_counter() - started
        with write_transaction(db.engine) as conn:
            started = time.perf_counter()
            stage = copy_to_stage(conn, wind_generation_hourly, _Preformatted(prepared, chunks))
            phases["COPY into the TEMP stage (server)"] = time.perf_counter() - started
            started = time.perf_counter()
            insert_from_stage(conn, wind_generation_hourly, stage, WIND_KEYS, prepared.names)
            phases["INSERT ... SELECT ... ON CONFLICT (server)"] = time.perf_counter() - started
            started = time.perf_counter()
        phases["COMMIT"] = time.perf_counter() - started
    return phases


class _Preformatted:
    """PreparedRows whose COPY text was already built, so COPY is timed apart from formatting."""

    def __init__(self, rows: PreparedRows, chunks: list[bytes]) -> None:
        self.names = rows.names
        self._chunks = chunks

    def copy_chunks(self) -> Iterator[bytes]:
        return iter(self._chunks)


def server_facts(url: URL) -> dict[str, str]:
    with Storage.from_url(url) as db, db.engine.connect() as conn:
        checkpoint = can_checkpoint(db)
        facts = {
            "load": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
            "checkpoint": ""
            if checkpoint
            else " No CHECKPOINT between runs: the role may not run it.",
            "server": conn.exec_driver_sql("SHOW server_version").scalar_one(),
            **{
                name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                for name in ("fsync", "synchronous_commit", "shared_buffers")
            },
        }
    return facts


def markdown(
    results: list[Measurement],
    facts: dict[str, str],
    where: str,
    phases: dict[str, float],
    phase_rows: int,
    repeats: int,
) -> str:
    by_key = {(m.rows, m.method, m.phase): m for m in results}
    lines = [
        SECTION,
        "",
        "Loading wind-shaped rows (T3 `wind_to_long` columns, 20 plant units, ~5% NULL",
        "generation) into `wind_generation_hourly` through `Storage.load_wind`, timed end to",
        "end (frame conversion + database + commit), into an empty table (TRUNCATE and",
        "CHECKPOINT before each run). `executemany` is the small-load path (psycopg 3",
        "pipelined `executemany` of `INSERT ... ON CONFLICT DO UPDATE`, 5,000-row batches);",
        "`copy` is the large-load path (`COPY` into a TEMP staging table, then one",
        "`INSERT ... SELECT ... ON CONFLICT DO UPDATE`). `Storage` switches to `copy` at",
        "5,000 rows on PostgreSQL. Both paths store identical rows (tests/storage compare",
        f"table digests). Best of {repeats} runs below 1M rows; one run per method at 1M rows.",
        "",
        f"Command: `{COMMAND}`",
        "",
        (
            f"Measured on: {where}; PostgreSQL {facts['server']} (fsync={facts['fsync']}, "
            f"synchronous_commit={facts['synchronous_commit']}, shared_buffers={facts['shared_buffers']}), "
            f"{os.cpu_count()} CPUs shared with other work (load average {facts['load']} at the start), "
            f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}.{facts['checkpoint']}"
        ),
        "",
        "| rows | phase | executemany (s) | executemany rows/s | copy (s) | copy rows/s | copy speed-up |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for rows in sorted({m.rows for m in results}):
        for phase in ("insert", "reload"):
            many, copy = by_key.get((rows, "executemany", phase)), by_key.get((rows, "copy", phase))
            if many is None and copy is None:
                continue

            speedup = f"{many.best / copy.best:.1f}x" if many and copy else "n/a"
            cells = " | ".join(" | ".join(_cells(m, rows)) for m in (many, copy))
            lines.append(f"| {rows:,} | {phase} | {cells} | {speedup} |")
    lines += [
        "",
        "`reload` loads the same frame again, so every row takes the `ON CONFLICT DO UPDATE` branch.",
        "",
        f"Where the COPY path's time goes ({phase_rows:,} rows, one separate run of the same steps):",
        "",
        "| step | seconds |",
        "| --- | ---: |",
        *(f"| {name} | {seconds:.3f} |" for name, seconds in phases.items()),
        "",
        f"![PostgreSQL load time by path](img/{PNG.name})",
        *reading(by_key, phases, phase_rows),
    ]
    return "\n".join(lines)


def _cells(m: Measurement | None, rows: int) -> tuple[str, str]:
    return ("not run", "") if m is None else (f"{m.best:.3f}", f"{rows / m.best:,.0f}")


def reading(
    by_key: dict[tuple[int, str, str], Measurement], phases: dict[str, float], phase_rows: int
) -> list[str]:
    """The conclusions the numbers support, computed from them (so a re-run cannot contradict its text)."""
    lines = []
    largest = max((rows for rows, method, _ in by_key if method == "executemany"), default=None)
    if largest is not None and (largest, "copy", "insert") in by_key:
        speedup = (
            by_key[(largest, "executemany", "insert")].best
            / by_key[(largest, "copy", "insert")].best
        )
        verdict = "meets" if speedup >= 10 else "does not meet"
        lines.append(
            f"Reading it: at {largest:,} rows COPY is {speedup:.1f}x faster than executemany, which "
            f"{verdict} the 10x target on this machine."
        )
    total = sum(phases.values())
    server = phases.get("INSERT ... SELECT ... ON CONFLICT (server)", 0.0)
    if total:
        lines.append(
            f"In the COPY path's breakdown ({phase_rows:,} rows) the server-side `INSERT ... SELECT ... ON "
            f"CONFLICT` into the keyed table takes {server:.1f} s of {total:.1f} s ({server / total:.0%}): "
            "heap, primary-key index and WAL writes, which no client-side change removes. The "
            "executemany path pays the same per-row index and WAL work plus one statement execution per "
            "row, so the ratio between the two is bounded by how much of executemany's time is "
            "statement overhead rather than table writes."
        )
    return [part for line in lines for part in ("", line)] + [""]


def plot(results: list[Measurement], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for method, style in (("executemany", "o-"), ("copy", "s-")):
        points = sorted(
            (m.rows, m.best) for m in results if m.method == method and m.phase == "insert"
        )
        if not points:
            continue
        rows, seconds = zip(*points, strict=True)
        left.plot(rows, seconds, style, label=method)
        right.plot(rows, [r / s for r, s in points], style, label=method)
    left.set(
        xscale="log",
        yscale="log",
        xlabel="rows",
        ylabel="seconds (best run)",
        title="Load time, empty table",
    )
    right.set(
        xscale="log", yscale="log", xlabel="rows", ylabel="rows per second", title="Throughput"
    )
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    fig.suptitle("PostgreSQL load: executemany vs COPY (measured)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def replace_section(document: str, section: str) -> str:
    """``document`` with the ``## PostgreSQL load`` section replaced (or appended); others untouched."""
    lines = document.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == SECTION)
    except StopIteration:
        body = document.rstrip("\n")
        return (
            (body + "\n\n" if body else "# Pipeline benchmarks\n\n") + section.rstrip("\n") + "\n"
        )
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    new = (
        lines[:start]
        + section.rstrip("\n").splitlines()
        + ([""] if end < len(lines) else [])
        + lines[end:]
    )
    return "\n".join(new) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--executemany-max",
        type=int,
        default=1_000_000,
        help="largest size measured with executemany",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per size below 1M rows (best is reported)"
    )
    parser.add_argument(
        "--reload-sizes", type=int, nargs="*", default=[100_000], help="sizes also re-loaded"
    )
    parser.add_argument(
        "--url", default=os.environ.get(URL_VAR), help=f"server URL (default: ${URL_VAR})"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"update {DOCS.name} and {PNG.name}"
    )
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = parser.parse_args(argv)

    with server(args.url) as (url, where):
        print(f"PostgreSQL load benchmark on {where}", flush=True)
        facts = server_facts(url)
        results = measure(
            url, sorted(args.sizes), args.executemany_max, args.repeats, set(args.reload_sizes)
        )
        phase_rows = max(args.sizes)
        phases = copy_phases(url, phase_rows)
        for name, seconds in phases.items():
            print(f"  copy path, {phase_rows:,} rows: {name:<45} {seconds:8.3f} s", flush=True)
    section = markdown(results, facts, where, phases, phase_rows, args.repeats)
    print("\n" + section)
    if args.json:
        raw = {
            "loads": [{**asdict(m), "best": m.best} for m in results],
            "copy_phases": phases,
            "server": facts,
        }
        args.json.write_text(json.dumps(raw, indent=2))
    if args.write_docs:
        plot(results, PNG)
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(replace_section(DOCS.read_text() if DOCS.exists() else "", section))
        print(f"wrote {DOCS.relative_to(PROJECT_ROOT)} and {PNG.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
