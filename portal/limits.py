"""Bounds on a raw body, checked before anything parses it: its size and its JSON nesting depth.

Every message here is the one the rust backend writes (its core has the same
checks in ``plugins/rust_backend/crates/energy_transforms/src/limits.rs``; the
conformance tests compare the two backends' messages for equality). The limits
themselves are the caller's (``[limits]`` in the settings); this module only
applies them. The rules:

* body size: a raw body longer than ``max_bytes`` bytes (a ``str`` body counts
  its UTF-8 bytes, see :func:`portal.bodies.as_bytes`) is refused before
  anything reads it. Record lists are not bodies and are not measured;
* JSON nesting depth: the deepest running count of ``[``/``{`` minus
  ``]``/``}`` outside strings, where a ``"`` preceded by an odd number of
  backslashes does not end or start a string. For valid JSON that is the
  nesting depth. It is computed without recursion over the body's bytes
  (UTF-8: :func:`portal.parsing.parse_json` refuses any other body first), so
  a body of 100,000 ``[`` is refused instead of reaching ``json.loads``, which
  recurses and raises ``RecursionError``.
"""

from __future__ import annotations

import numpy as np

from foundations.errors import TransformInputError

#: The depth :func:`portal.parsing.parse_json` applies when its caller passes
#: none: the default of ``[limits] max_json_depth`` (``foundations.settings``;
#: ``tests/portal`` checks the two agree).
DEFAULT_MAX_JSON_DEPTH = 64

# Bytes of "[{" (+1), "]}" (-1), '"' (2) and "\\" (3); everything else is 0.
_BYTE_KIND = np.zeros(256, dtype=np.int8)
_BYTE_KIND[[ord("["), ord("{")]] = 1
_BYTE_KIND[[ord("]"), ord("}")]] = -1
_BYTE_KIND[ord('"')] = 2
_BYTE_KIND[ord("\\")] = 3
#: Bytes scanned per vectorised step: bounds the scan's scratch memory.
_CHUNK = 1 << 20


def check_body_size(body: bytes, max_bytes: int, source: str) -> None:
    """Refuse a raw body longer than ``max_bytes`` (``[limits] max_body_bytes``), before parsing."""
    if len(body) > max_bytes:
        raise TransformInputError(
            f"{source}: the body is {len(body)} bytes, more than the limit of "
            f"{max_bytes} bytes; raise [limits] max_body_bytes "
            "(ENERGY_LIMITS__MAX_BODY_BYTES) if a real answer is this large"
        )


def check_json_depth(body: bytes, max_depth: int, source: str) -> None:
    """Refuse a JSON body (UTF-8 bytes) nesting deeper than ``max_depth``, without recursing."""
    depth = json_depth(body)
    if depth > max_depth:
        raise TransformInputError(
            f"{source}: the JSON body nests {depth} levels deep, more than the limit of "
            f"{max_depth}; raise [limits] max_json_depth (ENERGY_LIMITS__MAX_JSON_DEPTH, "
            "at most 500) if a real answer nests this deep"
        )


def json_depth(data: bytes) -> int:
    """The deepest bracket nesting outside strings of UTF-8 JSON text (module rule).

    Vectorised per chunk over the few bytes that matter (brackets, quotes,
    backslashes); the state carried between chunks is the depth, whether a
    string is open and the length of a backslash run reaching the chunk's end.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    depth = deepest = 0
    in_string = 0
    carried_backslashes = 0
    for start in range(0, raw.size, _CHUNK):
        chunk = raw[start : start + _CHUNK]
        kind = _BYTE_KIND[chunk]
        pos = np.flatnonzero(kind)
        if pos.size == 0:
            carried_backslashes = 0
            continue
        k = kind[pos]
        slashes = pos[k == 3]
        quotes = pos[k == 2]
        if slashes.size:
            starts_run = np.ones(slashes.size, dtype=bool)
            starts_run[1:] = np.diff(slashes) != 1
            run_start = np.maximum.accumulate(np.where(starts_run, slashes, 0))
            # Length of the backslash run up to and including each backslash;
            # a run starting at the chunk's first byte continues the carried one.
            run_length = slashes - run_start + 1 + np.where(run_start == 0, carried_backslashes, 0)
        else:
            run_length = np.zeros(0, dtype=np.int64)
        if quotes.size:
            before = np.where(quotes == 0, carried_backslashes, 0)
            if slashes.size:
                j = np.searchsorted(slashes, quotes) - 1
                jc = np.maximum(j, 0)
                adjacent = (j >= 0) & (slashes[jc] == quotes - 1)
                before = before + np.where(adjacent, run_length[jc], 0)
            live_quotes = quotes[before % 2 == 0]
        else:
            live_quotes = quotes
        brackets = pos[(k == 1) | (k == -1)]
        if brackets.size:
            inside = (np.searchsorted(live_quotes, brackets) + in_string) % 2 == 1
            steps = kind[brackets[~inside]].astype(np.int64)
            if steps.size:
                running = depth + np.cumsum(steps)
                deepest = max(deepest, int(running.max()))
                depth = int(running[-1])
        in_string = (in_string + live_quotes.size) % 2
        ends_in_backslash = chunk[-1] == ord("\\")
        carried_backslashes = int(run_length[-1]) if ends_in_backslash else 0
    return deepest
