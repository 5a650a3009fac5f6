"""A quiet console: progress and the summary by default; records in a JSON-lines file and with -v.

``energy run`` on the bundled samples makes 30 ``transform.call`` and 30
``transform.shadow`` records, an httpx line per request and more; none of them
belongs on an operator's screen by default, all of them belong in the log file.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from energy_cli.main import app
from foundations.log_config import (
    configure_logging,
    log_file,
    log_file_path,
    prune_log_files,
    set_verbosity,
    verbosity,
)
from foundations.redaction import MASK, register_secret
from foundations.settings import LoggingSettings

#: The most lines (stdout + stderr) a default ``energy run`` may print on the samples.
MAX_LINES = 40
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("ENERGY_ENV", "ENERGY_DATABASE__URL", "ENERGY_SOURCES", "ENERGY_LOGGING__FORMAT"):
        monkeypatch.delenv(name, raising=False)
    yield
    # The command line's verbosity outlives a command (see energy_cli.main); not a test.
    set_verbosity(None)
    configure_logging(LoggingSettings())


def run(args: list[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def named_log_file(output: str) -> Path:
    (line,) = [line for line in output.splitlines() if line.startswith("log: ")]
    return Path(line.removeprefix("log: "))


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_default_run_is_quiet_and_the_records_are_in_the_log_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The data dir's name is a registered secret: every record naming the
    # database path must carry it masked into the file.
    secret = "Tok3nXYZsecret"
    register_secret(secret)
    data_dir = tmp_path / secret / "data"
    stdout, stderr = run(["run", "--no-prefect"], data_dir, monkeypatch)
    lines = stdout.splitlines() + stderr.splitlines()

    assert len(lines) <= MAX_LINES, "\n".join(lines)
    assert "transform.call" not in stdout + stderr
    assert "transform.shadow" not in stdout + stderr
    assert "Flow runs" in stdout
    assert "Backend per transform" in stdout
    assert stdout.splitlines()[-1].startswith("log: "), "the summary's last line names the log"

    path = named_log_file(stdout)
    assert path.is_file()
    assert path.parent == data_dir / "logs"
    assert path.name.startswith("energy-run-")
    assert path.suffix == ".jsonl"
    text = path.read_text(encoding="utf-8")
    assert secret not in text
    found = records(path)  # every line is one JSON object
    calls = [r for r in found if r["event"] == "transform.call"]
    assert len(calls) >= 10
    assert {"transform", "requested", "used", "rule", "rows", "duration_s"} <= set(calls[0])
    assert any(r["event"] == "transform.shadow" for r in found)
    assert all(r["level"] in ("info", "warning", "error", "critical") for r in found)
    engine = [r for r in found if r["event"] == "database engine opened"]
    assert engine
    assert all(MASK in r["url"] for r in engine)


@pytest.mark.parametrize(
    "args", [["run", "--no-prefect", "-v"], ["-v", "run", "--no-prefect"]], ids=["after", "before"]
)
def test_verbose_prints_the_records(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout, stderr = run(args, tmp_path / "data", monkeypatch)
    assert stderr.count("transform.call") >= 10
    assert "source.response" not in stderr  # DEBUG: -vv only
    assert named_log_file(stdout).is_file()


def test_very_verbose_prints_debug_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, stderr = run(["run", "--no-prefect", "-vv"], tmp_path / "data", monkeypatch)
    assert "source.response" in stderr
    assert "transform.call" in stderr


def test_json_format_keeps_info_records_on_stderr_for_the_log_shipper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_LOGGING__FORMAT", "json")
    stdout, stderr = run(["run", "--no-prefect"], tmp_path / "data", monkeypatch)
    shipped = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert sum(r["event"] == "transform.call" for r in shipped) >= 10
    # stderr is the shipper's: JSON lines only, no progress bars.
    assert [line for line in stderr.splitlines() if not line.startswith("{")] == []
    assert named_log_file(stdout).is_file()


def test_backfill_writes_its_own_log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["backfill", "--source", "weather", "--start", "2024-01-29", "--end", "2024-01-29"]
    stdout, stderr = run([*args, "--no-prefect"], tmp_path / "data", monkeypatch)
    assert "transform.call" not in stdout + stderr
    path = named_log_file(stdout)
    assert path.name.startswith("energy-backfill-")
    assert any(r["event"] == "transform.call" for r in records(path))


def test_the_file_redacts_every_field_and_stays_valid_json(tmp_path: Path) -> None:
    secret = "Zq9-file-only-secret"
    register_secret(secret)
    configure_logging(LoggingSettings())
    set_verbosity(0)
    path = tmp_path / "energy-test.jsonl"
    with log_file(path):
        structlog.get_logger("t").info(
            "nested",
            detail={"url": f"https://x.invalid/?serviceKey={secret}", "list": [secret, 1]},
            hook='posted to "https://hooks.slack.com/services/T0/B0/xyz" and quoted',
        )
        logging.getLogger("some.library").info("a library says %s", secret)
        try:
            raise ValueError(f"failed with {secret}")
        except ValueError:
            structlog.get_logger("t").exception("failed")
    structlog.get_logger("t").info("after the block")
    text = path.read_text(encoding="utf-8")
    assert secret not in text
    assert "xyz" not in text
    nested, library, failed = records(path)
    assert nested["detail"]["list"] == [MASK, 1]
    assert nested["logger"] == "t"
    assert library == library | {"event": f"a library says {MASK}", "logger": "some.library"}
    assert "ValueError" in failed["exception"]
    assert failed["level"] == "error"


def test_quiet_console_shows_warnings_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings())
    set_verbosity(0)
    log = structlog.get_logger("t")
    log.info("hidden")
    try:
        raise RuntimeError("first line\nsecond line")
    except RuntimeError:
        log.exception("shown", note="a\nb")
    logging.getLogger("lib").warning("library warning")
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert "hidden" not in "".join(err)
    assert "shown" in err[0]
    assert "RuntimeError: first line" in err[0]
    assert "library warning" in err[1]


def test_old_log_files_are_pruned(tmp_path: Path) -> None:
    old = log_file_path(tmp_path, "run", now=0)
    old.write_text("{}\n")
    os.utime(old, (0, 0))
    fresh = log_file_path(tmp_path, "run")
    fresh.write_text("{}\n")
    other = tmp_path / "keep-me.jsonl"
    other.write_text("{}\n")
    os.utime(other, (0, 0))
    assert prune_log_files(tmp_path) == [old]
    assert fresh.exists()
    assert other.exists()


@pytest.mark.prefect
@pytest.mark.slow
def test_run_through_prefect_is_quiet_too(tmp_path: Path) -> None:
    """Through Prefect's temporary server (a fresh PREFECT_HOME: migrations, a minute or more)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENERGY_", "PREFECT_")) or k == "ENERGY_BACKEND"
    }
    env |= {"ENERGY_DATA_DIR": str(tmp_path / "data"), "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run(
        [sys.executable, "-m", "energy_cli.main", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    assert len(lines) <= MAX_LINES, "\n".join(lines)
    assert "transform.call" not in done.stdout + done.stderr
    found = records(named_log_file(done.stdout))
    assert any(r["event"] == "transform.call" for r in found)
    # The flows' own records, sent through Prefect's run logger, keep their fields.
    started = [r for r in found if r["event"] == "flow.started"]
    assert started
    assert all("flow_run_id" in r and "period" in r for r in started)


def test_a_commands_own_verbose_flag_ends_with_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`energy backfill -v` raises the verbosity for itself only; the next command is quiet again."""
    monkeypatch.setenv("ENERGY_DATA_DIR", str(tmp_path))
    seen: list[int | None] = []
    monkeypatch.setattr(
        "energy_cli.pipeline_commands.use_verbosity",
        _recording(seen),
    )
    args = ["backfill", "--plan", "--start", "2024-01-29", "--end", "2024-01-31", "-v"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert seen == [1], "the command's -v was in effect while it ran"
    assert verbosity() == 0, "the group's verbosity (none given) is back after the command"


def _recording(seen: list[int | None]) -> Callable[..., int]:
    from energy_cli import common

    def use_and_record(ctx: object, count: int) -> int:
        chosen = common.use_verbosity(ctx, count)
        seen.append(verbosity())
        return chosen

    return use_and_record
