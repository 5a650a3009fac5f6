"""A process for an external sampling profiler (py-spy) to watch: one T2 implementation in a loop.

    uv run py-spy record --format raw -o out.txt -- \\
        python -m benchmarks.profile_target optimised 1000000 --repeats 3

The frame is generated before the loop; :data:`TARGETS` names the function
whose samples :mod:`benchmarks.phase0` keeps, so set-up is excluded.
"""

from __future__ import annotations

import argparse

from benchmarks.generator import generate, spec_for_rows
from benchmarks.legacy_baseline import impute_missing_values_legacy
from plugins.python_backend.imputation import impute_missing_values
from registry.contracts import ImputeOptions

#: Implementation name -> the function name that marks its samples in a stack.
TARGETS = {"optimised": "impute_missing_values", "baseline": "impute_missing_values_legacy"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("implementation", choices=sorted(TARGETS))
    parser.add_argument("rows", type=int)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    frame = generate(spec_for_rows(args.rows))
    for _ in range(args.repeats):
        if args.implementation == "optimised":
            impute_missing_values(frame, ImputeOptions(), None)
        else:
            impute_missing_values_legacy(frame)


if __name__ == "__main__":
    main()
