"""Import direction: sources, storage, registry and the foundations never import a backend.

``portal`` (envelope reading) is the foundation that ``sources/`` and the
backends both use, so the arrows point at it and never from a lower layer
into ``plugins/`` or the rust glue (``energy_rust_backend``). ``portal`` itself
imports only :mod:`foundations`, :mod:`registry.errors`, the standard library
and the third-party packages the project declares as runtime dependencies.

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
#: Packages that must not import a backend.
LOWER_LAYERS = ("sources", "storage", "portal", "foundations", "registry")
#: Top-level names that are a backend.
BACKENDS = frozenset({"plugins", "energy_rust_backend"})
#: What ``portal`` may import from this project: whole packages, or single modules.
PORTAL_ALLOWED_PACKAGES = frozenset({"portal", "foundations"})
PORTAL_ALLOWED_MODULES = frozenset({"registry.errors"})


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
    root = REPO / package
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


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


@pytest.mark.parametrize("package", LOWER_LAYERS)
def test_lower_layers_do_not_import_a_backend(package: str) -> None:
    files = _source_files(package)
    assert files, f"{package}/ has no source files: the check would pass vacuously"
    offending = [
        f"{_where(path, line)} imports {module}"
        for path in files
        for line, module in _imports(path)
        if module.split(".")[0] in BACKENDS
    ]
    assert not offending, (
        f"{package}/ must not import a backend (plugins, energy_rust_backend); read portal "
        "envelopes with `portal`:\n" + "\n".join(offending)
    )


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
        "portal/ may import only foundations, registry.errors, the standard library and "
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
