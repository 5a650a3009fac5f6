"""Equivalence tests: every backend against an independent oracle and fixed snapshots."""
