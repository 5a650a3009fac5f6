"""The PostgreSQL test plugin's decisions when no server is at hand."""

from __future__ import annotations

from tests.postgres_server import missing_server_outcome


def test_missing_server_fails_in_ci() -> None:
    outcome, message = missing_server_outcome({"CI": "true"})
    assert outcome == "fail"
    assert "apt-get install postgresql" in message and "ENERGY_TEST_POSTGRES_URL" in message


def test_missing_server_skips_on_a_developer_machine_with_the_install_hint() -> None:
    outcome, message = missing_server_outcome({})
    assert outcome == "skip"
    assert "apt-get install postgresql" in message
