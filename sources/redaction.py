"""Re-export of :mod:`foundations.redaction`, where the redaction logic lives.

Kept because the sources modules and their tests import ``sources.redaction``;
the names are the same objects (one secret registry per process). New code,
and every layer other than sources, imports :mod:`foundations.redaction`.
"""

from __future__ import annotations

from foundations.redaction import (
    MASK,
    MIN_PASSWORD_PIECE_LEN,
    RedactingFilter,
    database_url_secrets,
    install_log_filter,
    redact,
    redact_database_url,
    register_database_url,
    register_secret,
    secret_forms,
)

__all__ = [
    "MASK",
    "MIN_PASSWORD_PIECE_LEN",
    "RedactingFilter",
    "database_url_secrets",
    "install_log_filter",
    "redact",
    "redact_database_url",
    "register_database_url",
    "register_secret",
    "secret_forms",
]
