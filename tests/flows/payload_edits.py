"""Altering copies of the sample payloads, to drive the schema-drift paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def edit_asos_items(samples: Path, day: str, edit: Callable[[dict[str, Any]], None]) -> int:
    """Apply ``edit`` to every item of every ASOS sample of ``day`` (``YYYYMMDD``); files changed."""
    changed = 0
    for path in sorted((samples / "asos").glob(f"*_{day}.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for item in doc["response"]["body"]["items"]["item"]:
            edit(item)
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        changed += 1
    return changed
