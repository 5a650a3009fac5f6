"""The portal package: one public surface, and importing it (or a source) loads no backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import portal
from portal import bodies, codes, envelope, parsing

REPO = Path(__file__).resolve().parents[2]


def test_the_package_exports_its_modules_functions() -> None:
    assert portal.as_bytes is bodies.as_bytes
    assert portal.parse_json is parsing.parse_json
    assert portal.parse_xml is parsing.parse_xml
    assert portal.raise_for_portal_error is envelope.raise_for_portal_error
    assert portal.load_json_response is envelope.load_json_response
    assert portal.load_xml_response is envelope.load_xml_response
    assert portal.SUCCESS_CODES is codes.SUCCESS_CODES
    assert set(portal.__all__) <= set(dir(portal))


def test_codes() -> None:
    assert {"00", "800"} == portal.SUCCESS_CODES
    assert portal.OK_CODE in portal.SUCCESS_CODES
    assert portal.RESPONSE_KEYS == ("response", "reponse")
    assert [codes.code_text(v) for v in (0, 3, "03", " 800 ", 800, True)] == [
        "00",
        "03",
        "03",
        "800",
        "800",
        "True",
    ]


def test_importing_portal_and_the_sources_loads_no_backend() -> None:
    """At run time too (not only in the source text): no plugins, no rust glue, no scipy."""
    code = (
        "import sys\n"
        "import portal, sources, sources.http_client, sources.kma_asos, sources.nambu_pv, "
        "sources.namdong_wind, sources.pv_xml, sources.replay, sources.schema_drift\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} "
        "& {'plugins', 'energy_rust_backend', 'scipy'})\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
