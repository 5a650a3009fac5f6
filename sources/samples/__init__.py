"""Bundled sample payloads served by :mod:`sources.replay` (see ``generate.py``)."""
