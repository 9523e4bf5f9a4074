"""Seconds of outage while a deployed `local` stack is updated (the emulator follows SaladCloud's update rules):
a scale-down (3 -> 2 replicas), a new container version in place (all replicas restart at once, as SaladCloud
does) and the same change with `salad.update_strategy: blue-green`. A 10 Hz GET /health through the gateway; a
tick is an outage when no group of the stack answers (for blue-green, a client that follows the new endpoint).

Run: .venv/bin/python bench/update_availability.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator_fixture import Emulator  # noqa: E402
from tests.engine.harness import copy_program, make_project  # noqa: E402
from tests.probe import probing  # noqa: E402

NEW_VERSION = ("tgi-fleet:extra_env", '{"PAYLOAD_LIMIT": "3000000"}')


def outage(tmp: Path, strategy: str, change: tuple[str, str], extra: tuple[str, str] | None = None) -> str:
    """Deploy, apply one change while probing; the probe's verdict."""
    emu = Emulator.on_free_ports(tmp / "emulator", args={"--load-s": "3"})
    emu.start()
    try:
        p = make_project(tmp, copy_program(tmp), stack="local", passphrase="tgi-fleet-local")
        emu.point_at(p)
        p.config("tgi-fleet:salad.update_strategy", strategy, path=True)
        p.run("up", "--yes", "--skip-preview")
        dns = p.outputs()["access_domain"]
        p.config(*change)
        if extra:
            p.config(*extra, path=True)
        with probing(emu, dns, follow=strategy == "blue-green") as probe:
            p.run("up", "--yes", "--skip-preview")
        p.run("destroy", "--yes", "--skip-preview")
        return f"{probe.outage_s:5.1f} s without an answer ({len(probe.failed)} of {probe.ticks} probes)"
    finally:
        emu.stop()


def main() -> int:
    """Print one line per update kind."""
    cases = {
        "scale-down 3 -> 2": ("in-place", ("tgi-fleet:replicas", "2"), ("tgi-fleet:smoke.min_ready_replicas", "2")),
        "new version, in place": ("in-place", NEW_VERSION, None),
        "new version, blue-green": ("blue-green", NEW_VERSION, None),
    }
    for label, (strategy, change, extra) in cases.items():
        with tempfile.TemporaryDirectory() as tmp:
            print(f"{label:26} {outage(Path(tmp), strategy, change, extra)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
