"""The contract documents stay in step with the code, and inside the repository.

In the spirit of datasette's documentation tests: a transform added to
``registry.hookspecs.TRANSFORMS`` without a ``## T<n> <name>`` section in
docs/contracts/transforms.md fails here, as does a hook spec without a
docstring, or a tracked file that sends its reader to the product owner's
specification files outside the repository instead of docs/contracts/.
"""

from __future__ import annotations

import inspect
import re
import subprocess
from pathlib import Path

import pytest

from registry import hookspecs
from registry.hookspecs import TRANSFORMS

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "docs" / "contracts"
TRANSFORMS_DOC = CONTRACTS / "transforms.md"
#: Built from parts so that this file does not match its own search.
OUTSIDE_SPEC = "shared" + "/spec"
#: Test data may hold anything; these folders are not the repo's prose.
SKIPPED_PREFIXES = ("tests/fixtures/",)
#: Folders never walked when git is not available.
SKIPPED_DIRS = {
    ".git",
    ".venv",
    ".venv-without-rust",
    "target",
    "data",
    "node_modules",
    "__pycache__",
}


def transform_headings(text: str) -> dict[str, int]:
    """``{hook name: n}`` for every ``## T<n> <hook name>`` heading of a contract document."""
    found = re.finditer(r"^## T(\d+) (\w+)\s*$", text, re.MULTILINE)
    return {m.group(2): int(m.group(1)) for m in found}


def test_every_transform_has_its_section_in_the_contract() -> None:
    headings = transform_headings(TRANSFORMS_DOC.read_text(encoding="utf-8"))
    expected = {name: n for n, name in enumerate(TRANSFORMS, start=1)}
    missing = [f"## T{n} {name}" for name, n in expected.items() if headings.get(name) != n]
    assert not missing, f"{TRANSFORMS_DOC.relative_to(REPO)} lacks the sections {missing}"
    unknown = sorted(set(headings) - set(TRANSFORMS))
    assert not unknown, (
        f"{TRANSFORMS_DOC.relative_to(REPO)} has sections for unknown transforms {unknown}"
    )


def test_the_heading_check_can_fail() -> None:
    text = TRANSFORMS_DOC.read_text(encoding="utf-8")
    without = text.replace("## T2 impute_missing_values", "## T2 something else")
    assert "impute_missing_values" not in transform_headings(without)
    assert transform_headings(text)["impute_missing_values"] == 2


@pytest.mark.parametrize("name", [*TRANSFORMS, "energy_backend_info"])
def test_every_hook_spec_has_a_docstring(name: str) -> None:
    spec = getattr(hookspecs, name, None)
    assert spec is not None and hasattr(spec, f"{hookspecs.PROJECT_NAME}_spec"), (
        f"{name!r} is not a hook spec of registry/hookspecs.py"
    )
    assert (inspect.getdoc(spec) or "").strip(), f"hook spec {name!r} has no docstring"


def test_every_contract_document_is_listed_in_the_index() -> None:
    index = (CONTRACTS / "README.md").read_text(encoding="utf-8")
    for doc in sorted(CONTRACTS.glob("*.md")):
        if doc.name != "README.md":
            assert f"({doc.name})" in index, f"docs/contracts/README.md does not link {doc.name}"


def _repo_files() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        return [p for p in out.decode("utf-8").split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for path in REPO.rglob("*"):
            rel = path.relative_to(REPO)
            if path.is_file() and not SKIPPED_DIRS.intersection(rel.parts):
                files.append(rel.as_posix())
        return files


def files_pointing_outside(files: list[str], root: Path) -> list[str]:
    """``path:line`` of every line that references the outside specification files."""
    hits = []
    for rel in files:
        if rel.startswith(SKIPPED_PREFIXES):
            continue
        path = root / rel
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files hold no references for a reader
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE_SPEC in line:
                hits.append(f"{rel}:{number}")
    return hits


def test_no_file_sends_the_reader_outside_the_repository() -> None:
    hits = files_pointing_outside(_repo_files(), REPO)
    assert not hits, (
        f"these lines reference {OUTSIDE_SPEC}, which a clone does not have; "
        f"point them at docs/contracts/ instead: {hits}"
    )


def test_the_reference_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "notes.py").write_text(f"# see {OUTSIDE_SPEC}/transforms.md\n", encoding="utf-8")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "x.md").write_text(OUTSIDE_SPEC, encoding="utf-8")
    assert files_pointing_outside(["notes.py", "tests/fixtures/x.md"], tmp_path) == ["notes.py:1"]
