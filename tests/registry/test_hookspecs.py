"""The hook specs are the contract: each must be documented and implemented by every backend."""

from __future__ import annotations

import inspect

import pytest

from registry import TRANSFORMS, hookspecs
from registry.discovery import Backends

SPEC_MARK = f"{hookspecs.PROJECT_NAME}_spec"


def spec_functions() -> dict[str, object]:
    return {
        name: fn
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, SPEC_MARK)
    }


def test_transforms_list_matches_the_hook_specs() -> None:
    assert set(spec_functions()) == {*TRANSFORMS, "energy_backend_info"}


@pytest.mark.parametrize("name", [*TRANSFORMS, "energy_backend_info"])
def test_every_hook_spec_documents_its_contract(name: str) -> None:
    doc = inspect.getdoc(spec_functions()[name]) or ""
    # A one-liner is not a contract: inputs, outputs and errors need saying.
    assert len(doc.split()) >= 25, f"hook spec {name!r} has no real docstring"
    if name in TRANSFORMS:
        assert "Error" in doc or "NaN" in doc, (
            f"hook spec {name!r} does not state its error/edge cases"
        )


def test_every_available_backend_implements_what_it_claims(discovered_backends: Backends) -> None:
    for name, info in discovered_backends.available.items():
        assert discovered_backends.implemented(name) == tuple(
            t for t in TRANSFORMS if t in info.transforms
        )


def test_python_backend_implements_every_transform(discovered_backends: Backends) -> None:
    assert discovered_backends.implemented("python") == TRANSFORMS


def test_first_party_backends_implement_every_transform(
    backend: str, discovered_backends: Backends
) -> None:
    assert discovered_backends.implemented(backend) == TRANSFORMS


@pytest.mark.parametrize("name", TRANSFORMS)
def test_python_implementations_match_the_spec_signatures(name: str) -> None:
    import plugins.python_backend as python_backend

    spec = inspect.signature(spec_functions()[name])
    impl = inspect.signature(getattr(python_backend, name))
    assert list(impl.parameters) == list(spec.parameters)
