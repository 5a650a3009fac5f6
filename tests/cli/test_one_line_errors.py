"""Every ``energy`` command reports an expected failure as one ``error:`` line, never a traceback.

Exit codes: 2 for bad input or configuration (settings, database URL, files,
payloads), 1 for a run that failed (Prefect could not start). Runs use
``--no-prefect`` (Prefect's start-up is slow) except the one test that makes
Prefect's start-up fail on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from energy_cli import pipeline_commands
from energy_cli.main import app

DAY = ["--start", "2024-01-29", "--end", "2024-01-29"]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.csv"
    good.write_text("tm,stnNm,ta,hm\n2024-01-29 00:00,서울,1.0,50\n", encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("a,b\n1,2\n".encode("utf-16-le"))  # no BOM
    garbage = tmp_path / "page.json"
    garbage.write_text('{"response": {"header": ', encoding="utf-8")
    return {
        "good": good,
        "binary": binary,
        "utf16": utf16,
        "garbage": garbage,
        "missing_dir": tmp_path / "nope" / "out.csv",
    }


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_DATA_DIR", str(tmp_path / "data"))
    for name in ("ENERGY_ENV", "ENERGY_DATABASE__URL", "ENERGY_SOURCES", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    # prepare_prefect_environment never replaces a value already set: setting
    # them here keeps its defaults out of this process's environment afterwards.
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "5")


def invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    # CliRunner keeps an uncaught exception instead of printing it: a traceback
    # a user would see shows up here as anything but the SystemExit of typer.Exit.
    assert isinstance(result.exception, SystemExit), (
        f"{args}: uncaught {result.exception!r}\n{result.output}"
    )
    return result.exit_code, result.output


def assert_one_line_error(args: list[str], code: int, *, contains: str = "") -> str:
    exit_code, output = invoke(args)
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, f"{args}: expected one error line in:\n{output}"
    assert exit_code == code, f"{args}: exit {exit_code}, expected {code}:\n{output}"
    assert contains in errors[0]
    return errors[0]


def commands(files: dict[str, Path]) -> dict[str, list[str]]:
    return {
        "run": ["run", "--no-prefect"],
        "backfill": ["backfill", "--source", "weather", *DAY, "--no-prefect"],
        "backfill-plan": ["backfill", "--plan", *DAY],
        "serve": ["serve"],
        "impute": ["impute", str(files["good"]), "-o", str(files["good"].with_name("out.csv"))],
        "transform": ["transform", "find_missing_runs", str(files["good"]), "--column", "ta"],
        "backends": ["backends"],
        "explain": ["explain"],
    }


ALL = ["run", "backfill", "backfill-plan", "serve", "impute", "transform", "backends", "explain"]
USE_DATABASE = ["run", "backfill", "backfill-plan", "serve"]


#: Each class of bad setting: a section variable that is not JSON, an unknown
#: environment, a value the schema refuses (whose message spans several lines).
BAD_SETTINGS = [
    ("ENERGY_SOURCES", '{"mode": '),
    ("ENERGY_ENV", "nowhere"),
    ("ENERGY_PIPELINE__MAX_SPLINE_GAP", "-1"),
]


@pytest.mark.parametrize("command", ALL)
def test_bad_settings(
    command: str, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable, value in BAD_SETTINGS:
        with monkeypatch.context() as patch:
            patch.setenv(variable, value)
            assert_one_line_error(commands(files)[command], 2)


@pytest.mark.parametrize("command", USE_DATABASE)
@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql://energy:Wr0ngPass@127.0.0.1:1/energy", id="closed-port"),
        pytest.param("postgresql://energy:PwD_7h3@XTAILSECRET99@127.0.0.1:1/db", id="unencoded-at"),
        pytest.param("postgresql://energy:Qz9x:Wk7b@127.0.0.1:1/db", id="colon-as-port"),
        pytest.param(" sqlite:///energy.sqlite", id="leading-space"),
        pytest.param("mysql://energy:secret@127.0.0.1/energy", id="mysql"),
    ],
)
def test_unusable_database(
    command: str, url: str, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENERGY_DATABASE__URL", url)
    line = assert_one_line_error(commands(files)[command], 2, contains="ENERGY_DATABASE__URL")
    for piece in ("Wr0ng", "XTAIL", "Wk7b", "secret"):
        assert piece not in line


#: Per file command, each class of bad file: an output in a missing directory,
#: binary and BOM-less UTF-16 input, a malformed payload.
BAD_FILES = {
    "impute": [
        ["impute", "{good}", "-o", "{missing_dir}"],
        ["impute", "{binary}", "-o", "{good}.out"],
        ["impute", "{utf16}", "-o", "{good}.out"],
    ],
    "transform": [
        ["transform", "find_missing_runs", "{good}", "--column", "ta", "-o", "{missing_dir}"],
        ["transform", "find_missing_runs", "{binary}", "--column", "a"],
        ["transform", "find_missing_runs", "{utf16}", "--column", "a"],
        ["transform", "wind_to_long", "{garbage}"],
        ["transform", "asos_to_frame", "{binary}"],
    ],
}


@pytest.mark.parametrize("command", sorted(BAD_FILES))
def test_bad_files(command: str, files: dict[str, Path]) -> None:
    for args in BAD_FILES[command]:
        line = assert_one_line_error([a.format(**files) for a in args], 2)
        # The line is for a terminal: no NUL or other control characters from the file.
        assert line.isprintable(), f"{args}: {line!r}"


def test_prefect_start_up_failure_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def cannot_start(target: str, **parameters: object) -> object:
        raise RuntimeError(
            "Timed out while attempting to connect to ephemeral Prefect API server.\n"
            "sqlite3.OperationalError: table flow_run already exists"
        )

    monkeypatch.setattr(pipeline_commands, "_call_flow", cannot_start)
    line = assert_one_line_error(
        ["run"], 1, contains="Prefect could not start its temporary server"
    )
    assert str(tmp_path / "prefect") in line and "--no-prefect" in line
