"""A simulated replica's start, as the emulators start it: forked ready-imported by the zygote, against a fresh
`python -m emulator.replica` subprocess, in the same run.

For each way, N replicas one after the other (TGI_SIM_LOAD_S=0): the time from the spawn until the replica's port
accepts connections, and the CPU the replica process spent until then (/proc/PID/stat, utime + stime). The zygote's
own one-time import is printed apart (an emulator pays it once; the tests' fork server has it done already).
Run: .venv/bin/python bench/replica_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.supervisor import ReplicaSpec, Supervisor
from emulator.zygote import Zygote

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def one(supervisor: Supervisor) -> tuple[float, float]:
    start = time.monotonic()
    replica = await supervisor.spawn(ReplicaSpec(env={"TGI_SIM_LOAD_S": "0"}))
    while not await replica.listening():
        await asyncio.sleep(0.01)
    took, cpu = time.monotonic() - start, cpu_s(replica.pid)
    replica.kill()
    await replica.wait()
    return took, cpu


async def measure(runs: int, zygote: Zygote | None) -> None:
    forked, fresh = Supervisor(zygote=zygote), Supervisor()
    if zygote is not None:
        start = time.monotonic()
        await one(forked)  # the zygote imports the replica's modules on its first spawn
        print(f"zygote's first spawn (its one import): {time.monotonic() - start:.2f} s")
    rows: dict[str, list[tuple[float, float]]] = {"forked by the zygote": [], "fresh subprocess": []}
    for _ in range(runs):  # interleaved, so that both see the same machine
        rows["forked by the zygote"].append(await one(forked))
        rows["fresh subprocess"].append(await one(fresh))
    for name, values in rows.items():
        print(f"{name:22s} until listening: median {statistics.median(v[0] for v in values):.3f} s, "
              f"CPU median {statistics.median(v[1] for v in values):.3f} s  ({runs} replicas)")
    ratio = statistics.median(v[1] for v in rows["fresh subprocess"]) / max(
        0.001, statistics.median(v[1] for v in rows["forked by the zygote"]))
    print(f"CPU per start: the subprocess spends {ratio:.1f}x the forked replica's")
    await forked.shutdown()
    await fresh.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    zygote = Zygote.start()  # before the event loop: this process is one thread
    if zygote is None:
        print("no zygote here (threads running or no fd passing)", file=sys.stderr)
        return 1
    asyncio.run(measure(args.runs, zygote))
    return 0


if __name__ == "__main__":
    sys.exit(main())
