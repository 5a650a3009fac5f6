"""Foundations: small modules every layer (sources, storage, flows, notifications, CLI) may import.

Nothing here imports another package of this project, so importing it never
creates a cycle: the layers point at ``foundations``, never the other way.
"""
