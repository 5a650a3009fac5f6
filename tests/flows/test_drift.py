"""The drift check of the flows: baseline in ``source_signatures``, stop on a contract break."""

from __future__ import annotations

import pytest

from pipeline.drift import check_drift
from sources.replay import WIND_PATH, Catalog
from sources.schema_drift import SchemaDriftError
from storage.facade import Storage


@pytest.fixture(scope="module")
def wind_bodies() -> list[bytes]:
    # The sample month as the replayed portal pages it (3 pages of 60 records; the last is empty).
    emulator = Catalog.load().emulator()
    params = {"serviceKey": "replay-test", "size": "60", "startD": "20240101", "endD": "20240131"}
    return [emulator.answer(WIND_PATH, {**params, "page": str(page)}).body for page in (1, 2, 3)]


def test_first_run_stores_the_baseline_then_new_fields_warn_once(
    storage: Storage, wind_bodies: list[bytes]
) -> None:
    assert storage.get_signature("wind") is None

    assert check_drift(storage, "wind", wind_bodies) == []
    assert storage.get_signature("wind") is not None

    changed = [b.replace(b'"ipptNam":', b'"newField":1,"ipptNam":', 1) for b in wind_bodies[:1]]
    second = check_drift(storage, "wind", changed)
    third = check_drift(storage, "wind", changed)

    assert any("new field 'newField'" in w for w in second)
    assert not any("newField" in w for w in third)
    assert storage.get_signature("wind")["fields"]["newField"] == ["number"]


def test_required_break_raises_and_leaves_the_baseline_untouched(
    storage: Storage, wind_bodies: list[bytes]
) -> None:
    check_drift(storage, "wind", wind_bodies)
    before = storage.get_signature("wind")
    broken = [b.replace(b'"dgenYmd"', b'"genDate"') for b in wind_bodies]

    with pytest.raises(SchemaDriftError, match="dgenYmd"):
        check_drift(storage, "wind", broken)

    assert storage.get_signature("wind") == before
