"""`pulumi preview --stack local-vllm` vs. `pulumi preview --stack local` (TGI), both against one SaladCloud emulator.

The same program and provider; only the engine (and the model, a local config) differ, so the ratio is what the
engine seam costs a preview: building vLLM's command line and reading its sizing rule (goal: no worse, ~1.0x).
Interleaved in one run on their own file backends; prints medians and the ratio.
Run: .venv/bin/python bench/engine_preview.py [--runs 11]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from previews import interleaved, report, runs_arg

from tests.emulator_fixture import Emulator
from tests.engine.conftest import LOCAL_PASSPHRASE
from tests.engine.harness import copy_program, make_project


def main() -> int:
    """Print per-run timings, medians and the ratio of the vLLM stack's preview to the TGI stack's."""
    runs = runs_arg(__doc__)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        emu = Emulator.on_free_ports(tmp / "emulator")
        emu.start()
        try:
            projects = {}
            for stack in ("local", "local-vllm"):
                p = make_project(tmp / stack, copy_program(tmp / stack), stack=stack, passphrase=LOCAL_PASSPHRASE)
                emu.point_at(p)
                projects[stack] = p
            times = interleaved(projects, runs)
        finally:
            emu.stop()
    ratio = report(times, base="local")["local-vllm"]
    print(f"ratio: {ratio:.2f}x  (goal: no worse than the TGI stack, ~1.0x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
