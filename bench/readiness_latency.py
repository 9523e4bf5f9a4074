"""Readiness detection: from the moment the last required replica turns ready in the emulator (its readiness
probe passed) to the gateway's first smoke request for that group (goal <= 1 s).

Both timestamps come from the emulator itself (wall clock, same process), so the client's view plays no part.
Run: .venv/bin/python bench/readiness_latency.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator_fixture import Emulator  # noqa: E402
from tests.engine.harness import copy_program, make_project  # noqa: E402


def one_run(tmp: Path) -> tuple[float, float]:
    """Deploy the local stack once; returns the latency in ms and the readiness queries per minute."""
    emu = Emulator.on_free_ports(tmp / "emulator", args={"--load-s": "2"})
    emu.start()
    try:
        p = make_project(tmp, copy_program(tmp), stack="local", passphrase="tgi-fleet-local")
        emu.point_at(p)
        p.run("up", "--yes", "--skip-preview")
        status = emu.status()
        group = next(g for g in status["groups"] if g["name"] == "tgi-local")
        ready = sorted(proc["ready_at"] for proc in status["processes"] if proc["ready_at"])
        needed = 3  # the local stack's smoke.min_ready_replicas
        latency = (group["first_request_at"] - ready[needed - 1]) * 1000
        per_min = float(p.outputs()["smoke"]["readiness_calls_per_min"])
        p.run("destroy", "--yes", "--skip-preview")
        return latency, per_min
    finally:
        emu.stop()


def main() -> int:
    """Print each run and the median."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    results, rates = [], []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            latency, per_min = one_run(Path(tmp))
        results.append(latency)
        rates.append(per_min)
        print(f"run {i + 1}: last required replica ready -> first smoke request: {latency:.0f} ms; "
              f"instance API calls during the wait: {per_min:.0f}/min")
    print(f"median {statistics.median(results):.0f} ms (goal <= 1000 ms); at most {max(rates):.0f} API calls/min "
          f"(SaladCloud allows 240/min per key)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
