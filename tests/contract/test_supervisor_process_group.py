"""A replica's container stop ends every process it started, not only its own pid.

A real engine runs workers beside its server (vLLM's OpenAI server starts its engine core as a child process):
killing the server's pid alone would leave the worker running, holding memory, after the container is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from emulator.supervisor import ReplicaSpec, Supervisor

# A stand-in for an engine: it starts a worker, writes the worker's pid, and waits.
PARENT = ("import subprocess, sys, time; w = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']);"
          " open(sys.argv[1], 'w').write(str(w.pid)); time.sleep(300)")


def test_kill_ends_the_workers_a_replica_started(tmp_path: Path) -> None:
    pidfile = tmp_path / "worker.pid"

    async def scenario() -> None:
        supervisor = Supervisor()
        spec = ReplicaSpec(argv=lambda port: [sys.executable, "-c", PARENT, str(pidfile)])
        replica = await supervisor.spawn(spec)
        deadline = time.monotonic() + 30
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        worker = int(pidfile.read_text())
        replica.kill()
        try:  # a worker left running holds the replica's output pipes open: its end would never come
            await asyncio.wait_for(replica.wait(), 10)
        finally:
            for stream in (replica.proc.stdout, replica.proc.stderr):
                if stream is not None:
                    stream.feed_eof()
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)  # when the test fails: leave nothing behind
        await supervisor.shutdown()

    try:
        asyncio.run(scenario())
    except TimeoutError:
        raise AssertionError("the replica's worker outlived the container (its output pipes stayed open)") from None


def test_a_killed_replicas_exit_status_is_its_signal() -> None:
    """The container's exit as the kernel gives it (-SIGKILL). asyncio's child watcher reaps the process; a stop that
    also polled it (subprocess's kill polls first) reaped it now and then in the watcher's place, and asyncio then
    reported 255 ("Unknown child process"): a few stops in a hundred here, more on a loaded machine, so 200 stops
    show it."""

    async def scenario() -> list[int]:
        supervisor = Supervisor()
        codes = []
        for _ in range(200):
            replica = await supervisor.spawn(ReplicaSpec(argv=lambda port: ["sleep", "300"]))
            replica.kill()
            codes.append(await asyncio.wait_for(replica.wait(), 10))
        await supervisor.shutdown()
        return codes

    codes = asyncio.run(scenario())
    assert codes == [-signal.SIGKILL] * len(codes), codes
