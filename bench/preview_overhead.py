"""`pulumi preview --stack salad-prod` (against the emulator) vs. the preview of an empty Python program.

Both run in the same process, interleaved, on their own file backends; prints medians and the ratio (goal <= 1.5).
Run: .venv/bin/python bench/preview_overhead.py [--runs 11]
"""

from __future__ import annotations

import sys

from previews import EMPTY, emulator_in_tmp, interleaved, report, runs_arg, scratch_project

from tests.engine.harness import copy_program, make_project


def main() -> int:
    """Print per-run timings, medians and the ratio."""
    runs = runs_arg(__doc__)
    with emulator_in_tmp() as (tmp, emu):
        prod = make_project(tmp / "prod", copy_program(tmp / "prod"), stack="salad-prod")
        emu.point_at(prod, secrets=True)
        empty = scratch_project(tmp, "empty", {"__main__.py": EMPTY})
        times = interleaved({"salad-prod": prod, "empty": empty}, runs)
    ratio = report(times, base="empty")["salad-prod"]
    print(f"ratio: {ratio:.2f}x  (goal <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
