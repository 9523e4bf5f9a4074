"""`pulumi preview --stack salad-prod` (against the emulator) vs. the preview of an empty Python program.

Both run in the same process, interleaved, on their own file backends; prints medians and the ratio (goal <= 1.5).
Run: .venv/bin/python bench/preview_overhead.py [--runs 11]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator_fixture import Emulator  # noqa: E402
from tests.engine.harness import Project, copy_program, make_project  # noqa: E402

EMPTY = 'import pulumi\npulumi.export("ok", True)\n'


def timed(project: Project) -> float:
    start = time.perf_counter()
    project.run("preview")
    return time.perf_counter() - start


def main() -> int:
    """Print per-run timings, medians and the ratio."""
    args = _args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        emu = Emulator.on_free_ports(tmp / "emulator")
        emu.start()
        try:
            prod = make_project(tmp / "prod", copy_program(tmp / "prod"), stack="salad-prod")
            emu.point_at(prod, secrets=True)
            empty_src = tmp / "empty-src"
            empty_src.mkdir()
            (empty_src / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
            (empty_src / "__main__.py").write_text(EMPTY)
            empty = make_project(tmp / "empty", empty_src, stack="bench")
            timed(prod), timed(empty)  # warm the OS caches and the plugin lookups once
            ours, base = [], []
            for _ in range(args.runs):
                ours.append(timed(prod))
                base.append(timed(empty))
        finally:
            emu.stop()
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    print(f"salad-prod preview: {', '.join(f'{t:.2f}' for t in ours)} s  (median {m_ours:.2f} s)")
    print(f"empty program:      {', '.join(f'{t:.2f}' for t in base)} s  (median {m_base:.2f} s)")
    print(f"ratio: {m_ours / m_base:.2f}x  (goal <= 1.5x)")
    return 0


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=11)
    return p.parse_args()


if __name__ == "__main__":
    sys.exit(main())
