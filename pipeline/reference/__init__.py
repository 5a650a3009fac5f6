"""Reference data bundled with the flows: the Nambu PV plant/unit pairs.

``nambu_pv_units.csv`` is the product owner's reference list of the 31 Nambu
PV plant/unit pairs, shipped as package data so an installed wheel has it too.
"""

from __future__ import annotations

import csv
import io
from importlib.resources import files

PV_UNITS_FILE = "nambu_pv_units.csv"


def pv_units() -> list[tuple[str, int]]:
    """The (gencd, hogi) pairs the PV backfill collects, in file order."""
    text = files(__name__).joinpath(PV_UNITS_FILE).read_text(encoding="utf-8")
    units = [(row["gencd"].strip(), int(row["hogi"])) for row in csv.DictReader(io.StringIO(text))]
    if not units:
        raise ValueError(f"{PV_UNITS_FILE} lists no PV units")
    return units
