"""Imports point one way: each package imports only the layers below it.

The layers, lowest first (README, "Layout"):

1. ``foundations``: settings, errors, logging, redaction, Korean time;
2. ``portal``: reading the portal's envelopes, for sources and backends alike;
3. ``registry``: the hook contracts, backend discovery and selection;
4. ``backend_harness``: what every backend shares around its own code;
5. the backends (``plugins.python_backend``, ``energy_rust_backend``), the
   sources, storage and notifications, none of which imports another;
6. ``pipeline``: the Prefect-free cores of the jobs;
7. ``prefect_flows``: the Prefect flows over those cores;
8. ``energy_cli``: the command line.

``portal`` also imports no third-party package that the project does not
declare as a runtime dependency.

The check reads the source with :mod:`ast` (nothing is imported), so every
``import`` counts: at module level, inside functions and under
``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Top-level names that are a backend.
BACKENDS = frozenset({"plugins", "energy_rust_backend"})
_BELOW_BACKENDS = frozenset({"foundations", "portal", "registry", "backend_harness"})
_BELOW_PIPELINE = frozenset(
    {"foundations", "portal", "registry", "sources", "storage", "notifications"}
)
#: What each package may import from this project, besides itself.
ALLOWED: dict[str, frozenset[str]] = {
    "foundations": frozenset(),
    "portal": frozenset({"foundations"}),
    "registry": frozenset({"foundations"}),
    "backend_harness": frozenset({"foundations", "portal", "registry"}),
    "plugins": _BELOW_BACKENDS,
    "energy_rust_backend": _BELOW_BACKENDS,
    "sources": frozenset({"foundations", "portal"}),
    "storage": frozenset({"foundations"}),
    "notifications": frozenset({"foundations"}),
    "pipeline": _BELOW_PIPELINE,
    "prefect_flows": _BELOW_PIPELINE | {"pipeline"},
    "energy_cli": _BELOW_PIPELINE | {"pipeline", "prefect_flows"},
}
#: Where each package's sources are (the rust glue lives inside plugins/).
SOURCE_DIRS = {name: (name,) for name in ALLOWED} | {
    "plugins": ("plugins/__init__.py", "plugins/python_backend"),
    "energy_rust_backend": ("plugins/rust_backend/python/energy_rust_backend",),
}
#: What ``portal`` may import from this project: whole packages, or single modules.
PORTAL_ALLOWED_PACKAGES = frozenset({"portal", "foundations"})
PORTAL_ALLOWED_MODULES = frozenset({"foundations.errors"})


def _pyproject() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def _first_party() -> frozenset[str]:
    """This project's top-level import names: ruff's known-first-party and every package dir."""
    isort = _pyproject()["tool"]["ruff"]["lint"]["isort"]  # type: ignore[index]
    names = set(isort["known-first-party"])
    names |= {p.parent.name for p in REPO.glob("*/__init__.py")}
    return frozenset(names)


def _declared_distributions() -> frozenset[str]:
    """The runtime dependencies of ``[project]``, normalised (PEP 503)."""
    deps = _pyproject()["project"]["dependencies"]  # type: ignore[index]
    names = (re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0] for dep in deps)
    return frozenset(re.sub(r"[-_.]+", "-", name).lower() for name in names)


def _source_files(package: str) -> list[Path]:
    files: list[Path] = []
    for where in SOURCE_DIRS.get(package, (package,)):
        root = REPO / where
        found = [root] if root.is_file() else root.rglob("*.py")
        files += (p for p in found if "__pycache__" not in p.parts)
    return sorted(files)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, dotted module)`` for every import in a source file of this repository."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    return _imports_in(path.read_text(encoding="utf-8"), package, str(path))


def _imports_in(source: str, package: str, filename: str = "<probe>") -> Iterator[tuple[int, str]]:
    """``(line, dotted module)`` for every import in ``source``, a module of ``package``.

    ``from a.b import c`` yields ``a.b.c`` as well as ``a.b``: ``c`` may be a
    module. A relative import is resolved against ``package``.
    """
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{module}.{alias.name}"


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(REPO)}:{line}"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    files = _source_files(package)
    assert files, f"{package} has no source files: the check would pass vacuously"
    first_party = _first_party()
    allowed = ALLOWED[package] | {package}
    offending = [
        f"{_where(path, line)} imports {module}"
        for path in files
        for line, module in _imports(path)
        if (top := module.split(".")[0]) in first_party and top not in allowed
    ]
    assert not offending, (
        f"{package} may import only {', '.join(sorted(ALLOWED[package])) or 'nothing of this project'}; "
        "move shared code down a layer (foundations, portal or backend_harness):\n"
        + "\n".join(offending)
    )


def test_every_package_has_a_place_in_the_layers() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages - set(ALLOWED) == set(), "add the new package to ALLOWED with its layer"


def test_portal_imports_only_foundations_registry_errors_stdlib_and_dependencies() -> None:
    first_party = _first_party()
    declared = _declared_distributions()
    distributions = packages_distributions()
    offending = []
    for path in _source_files("portal"):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in first_party:
                allowed = top in PORTAL_ALLOWED_PACKAGES or any(
                    module == m or module.startswith(f"{m}.") for m in PORTAL_ALLOWED_MODULES
                )
                if not allowed:
                    offending.append(f"{_where(path, line)} imports {module}")
            elif top in sys.stdlib_module_names:
                continue
            else:
                dists = {re.sub(r"[-_.]+", "-", d).lower() for d in distributions.get(top, [])}
                if not dists & declared:
                    offending.append(
                        f"{_where(path, line)} imports {module}, which no runtime dependency "
                        "of [project] provides"
                    )
    assert not offending, (
        "portal/ may import only foundations, foundations.errors, the standard library and "
        "declared dependencies:\n" + "\n".join(offending)
    )


def test_the_walker_sees_every_kind_of_import() -> None:
    """Plain, aliased, from-, nested, relative and TYPE_CHECKING imports are all found."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import plugins.python_backend as pb\n"
        "from plugins import python_backend\n"
        "if TYPE_CHECKING:\n"
        "    from energy_rust_backend import payloads\n"
        "def f():\n"
        "    import energy_rust_backend\n"
        "from . import replay\n"
    )
    found = {module for _, module in _imports_in(source, "sources")}
    assert {
        "plugins.python_backend",
        "plugins",
        "energy_rust_backend",
        "energy_rust_backend.payloads",
        "sources.replay",
    } <= found
    offending = {m for m in found if m.split(".")[0] in BACKENDS}
    assert offending == {
        "plugins",
        "plugins.python_backend",
        "energy_rust_backend",
        "energy_rust_backend.payloads",
    }
