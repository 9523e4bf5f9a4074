"""What a loaded client sees while a deployed `local` stack is updated (the emulator follows SaladCloud's update
rules): a scale-down (3 -> 2 replicas), a new container version in place (SaladCloud restarts every replica at
once) and the same change with `salad.update_strategy: blue-green`.

The client: 4 workers on loopback, each sending a chat completion through the gateway every 0.1 s at most, from
the moment `pulumi up` starts until --after-s seconds after it returned (a client does not stop when `up` does).
Printed per update kind: failed / total requests and the longest time without a successful answer. For
blue-green, three clients: one that re-reads `pulumi stack output access_domain` once a second, as the README tells
clients to; one that re-reads the endpoint the smoke test proved from the stack's state (`pulumi stack export`);
one that stays on the old group (which serves on until the first `up` salad.drain_s after this one).

Run: .venv/bin/python bench/update_availability.py [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator_fixture import Emulator  # noqa: E402
from tests.engine.harness import Project, copy_program, make_project  # noqa: E402
from tests.load import Follower, loading, proven_domain  # noqa: E402

NEW_VERSION = ("tgi-fleet:extra_env", '{"PAYLOAD_LIMIT": "3000000"}')


def one(tmp: Path, strategy: str, change: tuple[str, str], extra: tuple[str, str] | None, follow: str,
        drain_s: str, after_s: float) -> str:
    """Deploy, apply one change under load; the client's verdict."""
    emu = Emulator.on_free_ports(tmp / "emulator", args={"--load-s": "3"})
    emu.start()
    try:
        p: Project = make_project(tmp, copy_program(tmp), stack="local", passphrase="tgi-fleet-local")
        emu.point_at(p)
        p.config("tgi-fleet:salad.update_strategy", strategy, path=True)
        if strategy == "blue-green" and drain_s:
            p.config("tgi-fleet:salad.drain_s", drain_s, path=True)
        p.run("up", "--yes", "--skip-preview")
        dns = p.outputs()["access_domain"]
        p.config(*change)
        if extra:
            p.config(*extra, path=True)
        reads = {"state": lambda: proven_domain(p), "outputs": lambda: str(p.outputs()["access_domain"])}
        target = Follower(reads[follow]) if follow else dns
        with loading(emu.gateway, target) as load:
            p.run("up", "--yes", "--skip-preview")
            time.sleep(after_s)
        p.run("destroy", "--yes", "--skip-preview")
        return load.summary()
    finally:
        emu.stop()


def main() -> int:
    """Print one line per update kind and round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--drain-s", default="10", help="tgi-fleet:salad.drain_s for blue-green ('': the default)")
    parser.add_argument("--after-s", type=float, default=3.0, help="seconds the client goes on after `up` returned")
    args = parser.parse_args()
    scale = ("tgi-fleet:replicas", "2"), ("tgi-fleet:smoke.min_ready_replicas", "2")
    cases = {
        "scale-down 3 -> 2": ("in-place", *scale, ""),
        "new version, in place": ("in-place", NEW_VERSION, None, ""),
        "new version, blue-green, client follows stack output": ("blue-green", NEW_VERSION, None, "outputs"),
        "new version, blue-green, client follows the state": ("blue-green", NEW_VERSION, None, "state"),
        "new version, blue-green, client stays on the old group": ("blue-green", NEW_VERSION, None, ""),
    }
    for _ in range(args.rounds):
        for label, (strategy, change, extra, follow) in cases.items():
            with tempfile.TemporaryDirectory() as tmp:
                seen = one(Path(tmp), strategy, change, extra, follow, args.drain_s, args.after_s)
                print(f"{label:55} {seen}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
