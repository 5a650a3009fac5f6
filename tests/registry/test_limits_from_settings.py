"""The registry hands every T2-T5 call this environment's ``[limits]``."""

from __future__ import annotations

import pytest

from foundations.errors import TransformInputError
from registry import build_registry, load_settings


@pytest.mark.parametrize("backend", ["python"])
def test_a_configured_body_limit_reaches_the_transform(backend: str) -> None:
    settings = load_settings("test", limits={"max_body_bytes": 64})
    registry = build_registry(settings)
    body = b'{"response":{"header":{"resultCode":"00"},"body":{"content":[]}}}' + b" " * 64
    with pytest.raises(TransformInputError, match="max_body_bytes"):
        registry.call("wind_to_long", body, hour_label="end", backend=backend)
    # An explicit argument still wins over the settings.
    roomy = settings.limits.model_copy(update={"max_body_bytes": 10_000})
    registry.call("wind_to_long", body, hour_label="end", backend=backend, limits=roomy)
