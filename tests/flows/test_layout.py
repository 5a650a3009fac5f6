"""The package names hold what they promise: Prefect-free cores in pipeline/, Prefect in prefect_flows/.

* no module under ``pipeline/`` imports Prefect at module level (an import
  inside a function, where a core uses Prefect only if a flow already loaded
  it, is allowed: see ``pipeline/logs.py``), and none imports
  ``prefect_flows`` at all: imports point one way, from the flows to the cores;
* every module in ``prefect_flows/`` imports Prefect (at module level or inside
  the function that needs it), except the few listed in ``NO_PREFECT_IMPORT``
  with the reason why.

Read with ``ast``: nothing is imported, so the check cannot be fooled by what
an earlier test has already loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PIPELINE = REPO / "pipeline"
PREFECT_FLOWS = REPO / "prefect_flows"

#: Modules of prefect_flows/ that belong there without importing Prefect.
NO_PREFECT_IMPORT = {
    # The package itself: importing it must not start Prefect's import.
    "__init__.py": "package docstring only",
    # Sets Prefect's environment variables, which Prefect reads when it is
    # imported: importing Prefect here would defeat its purpose.
    "prefect_env.py": "runs before Prefect is imported",
}


def _modules(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)


def _imported(node: ast.AST) -> Iterator[str]:
    """The top-level package names an ``import`` / ``from ... import`` node brings in."""
    if isinstance(node, ast.Import):
        yield from (alias.name.split(".")[0] for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        yield node.module.split(".")[0]


def _module_level_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Imports that run when the module is imported: outside any function body.

    Imports under ``if TYPE_CHECKING:`` never run and are skipped.
    """
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        yield from ((node.lineno, name) for name in _imported(node))
        stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _all_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        yield from ((node.lineno, name) for name in _imported(node))


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_two_packages_exist():
    assert _modules(PIPELINE), "pipeline/ holds no modules"
    assert (PREFECT_FLOWS / "flows.py").is_file()
    assert (PIPELINE / "reference" / "nambu_pv_units.csv").is_file()


def test_pipeline_modules_do_not_import_prefect_at_module_level():
    found = [
        f"{path.relative_to(REPO)}:{line}: imports {name}"
        for path in _modules(PIPELINE)
        for line, name in _module_level_imports(_parse(path))
        if name == "prefect"
    ]
    assert found == [], (
        "pipeline/ is the Prefect-free core; import Prefect inside the function that "
        "needs it (with a comment why) or move the module to prefect_flows/:\n" + "\n".join(found)
    )


def test_pipeline_never_imports_prefect_flows():
    found = [
        f"{path.relative_to(REPO)}:{line}"
        for path in _modules(PIPELINE)
        for line, name in _all_imports(_parse(path))
        if name == "prefect_flows"
    ]
    assert found == [], "imports point one way, prefect_flows -> pipeline:\n" + "\n".join(found)


def test_every_prefect_flows_module_imports_prefect():
    without = [
        str(path.relative_to(REPO))
        for path in _modules(PREFECT_FLOWS)
        if path.relative_to(PREFECT_FLOWS).as_posix() not in NO_PREFECT_IMPORT
        and not any(name == "prefect" for _, name in _all_imports(_parse(path)))
    ]
    assert without == [], (
        "prefect_flows/ keeps only what needs Prefect; move these Prefect-free modules "
        "to pipeline/ (or list them in NO_PREFECT_IMPORT with the reason):\n" + "\n".join(without)
    )


def test_the_exceptions_are_still_there():
    # A stale entry would silently excuse a future module of the same name.
    missing = [name for name in NO_PREFECT_IMPORT if not (PREFECT_FLOWS / name).is_file()]
    assert missing == []
