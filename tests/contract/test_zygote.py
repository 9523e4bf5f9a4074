"""emulator/zygote.py: replicas forked ready-imported behave as the subprocesses they stand for.

Each scenario runs in a fresh interpreter (the zygote is forked only while its emulator is one thread, and a pytest
worker runs threads), driving `tests.contract.zygote_child` through a Zygote and printing what it saw as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
CHILD = "tests.contract.zygote_child"

DRIVER = f"""
import asyncio, json, os, signal, sys
from emulator.zygote import Zygote
os.environ["EMULATOR_ONLY"] = "1"  # the emulator's own environment, which a replica does not get
zygote = Zygote.start()
assert zygote is not None, "a one-thread process forks its zygote"

async def run(args, env):
    proc = await zygote.spawn("{CHILD}", args, env)
    out = json.loads(await proc.stdout.readline())
    err = (await proc.stderr.readline()).decode().strip()
    return proc, out, err

async def main():
    seen = {{"zygote": zygote.pid}}
    proc, out, err = await run(["exit", "3"], {{"ZYGOTE_TEST": "yes", "PATH": os.environ["PATH"]}})
    seen["exit"] = {{"out": out, "err": err, "code": await proc.wait(), "returncode": proc.returncode}}
    proc, out, _ = await run(["raise"], {{}})
    tail = (await proc.stderr.read()).decode()
    seen["raise"] = {{"code": await proc.wait(), "traceback": "RuntimeError: replica failed" in tail}}
    proc, out, _ = await run(["wait"], {{}})
    running = proc.returncode
    proc.kill()
    seen["kill"] = {{"running": running, "code": await proc.wait()}}
    try:
        await zygote.spawn("{CHILD}", ["exit", "0"], {{"BIG": "x" * 200_000}})
    except OSError as exc:
        seen["e2big"] = exc.strerror
    proc, out, _ = await run(["wait"], {{}})
    seen["orphan"] = out["pid"]
    print(json.dumps(seen), flush=True)
    await asyncio.sleep(300)  # killed by the test, with the zygote's replica running

asyncio.run(main())
"""


def test_a_forked_replica_is_a_process_of_its_own_with_its_own_env_streams_and_exit() -> None:
    driver = subprocess.Popen([sys.executable, "-c", DRIVER], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert driver.stdout is not None
        seen = json.loads(driver.stdout.readline() or "{}")
        assert seen, "the driver printed nothing"
        exited = seen["exit"]
        # The child of the zygote, in a session of its own, named for its module, `python -m`'s argv.
        assert exited["out"]["ppid"] == seen["zygote"] and exited["out"]["sid"] == exited["out"]["pid"]
        assert exited["out"]["comm"] == "tests.contract."  # PR_SET_NAME keeps 15 bytes
        assert exited["out"]["argv"] == ["exit", "3"]
        # Its environment is the one asked for, not the emulator's; stdin is /dev/null; both streams reach us.
        assert exited["out"]["env"] == "yes" and exited["out"]["home"] is False and exited["out"]["stdin"] == ""
        assert exited["err"] == "to stderr"
        assert exited["code"] == exited["returncode"] == 3
        assert seen["raise"] == {"code": 1, "traceback": True}
        assert seen["kill"] == {"running": None, "code": -signal.SIGKILL}
        # The kernel's limit on a new process's strings holds though nothing is exec'd (MAX_ARG_STRLEN: 128 KiB).
        assert seen["e2big"] == os.strerror(7)
        orphan = psutil.Process(seen["orphan"])
        assert orphan.is_running()
        # The emulator killed: its zygote goes, and the replica with it (PDEATHSIG), as subprocess replicas do.
        driver.kill()
        driver.wait(10)
        deadline = time.monotonic() + 10
        while orphan.is_running() and orphan.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not orphan.is_running() or orphan.status() == psutil.STATUS_ZOMBIE
    finally:
        driver.kill()
        driver.wait(10)
