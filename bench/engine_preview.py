"""`pulumi preview --stack local-vllm` vs. `pulumi preview --stack local` (TGI), both against one SaladCloud emulator.

The same program and provider; only the engine (and the model, a local config) differ, so the ratio is what the
engine seam costs a preview: building vLLM's command line and reading its sizing rule (goal: no worse, ~1.0x).
Interleaved in one run on their own file backends; prints medians and the ratio.
Run: .venv/bin/python bench/engine_preview.py [--runs 11]
"""

from __future__ import annotations

import sys

from previews import emulator_in_tmp, interleaved, report, runs_arg

from tests.engine.conftest import LOCAL_PASSPHRASE
from tests.engine.harness import copy_program, make_project


def main() -> int:
    """Print per-run timings, medians and the ratio of the vLLM stack's preview to the TGI stack's."""
    runs = runs_arg(__doc__)
    with emulator_in_tmp() as (tmp, emu):
        projects = {}
        for stack in ("local", "local-vllm"):
            p = make_project(tmp / stack, copy_program(tmp / stack), stack=stack, passphrase=LOCAL_PASSPHRASE)
            emu.point_at(p)
            projects[stack] = p
        times = interleaved(projects, runs)
    ratio = report(times, base="local")["local-vllm"]
    print(f"ratio: {ratio:.2f}x  (goal: no worse than the TGI stack, ~1.0x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
