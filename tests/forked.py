"""The emulators' processes, forked for each test from a server that imported them once.

A fresh `python -m emulator.baseten serve` spends ~1.2 s of CPU importing before it listens (the Baseten SDK's
generated models, moto, FastAPI), and the suite starts one per test that needs one, ~120 times: a large share of its
CPU on the project's two cores. multiprocessing's forkserver start method, with the emulators' modules preloaded
(`set_forkserver_preload`), imports them once per pytest worker and forks a process per start. Each test still gets
its own emulator process, in its own session as before, running the emulator's own `main(argv)` with the test's
environment, working directory and log file; only the imports are shared.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import subprocess
import sys
from multiprocessing.context import ForkServerContext
from pathlib import Path

from emulator.supervisor import python_module

# `python -m X` -> the module whose `main(argv)` is forked for it.
ALIASES = {"emulator": "emulator.salad.__main__", "emulator.baseten": "emulator.baseten.__main__"}
# Those mains and what they import only once serving (moto's server, inside the serve command; tests.forked_warm),
# and the replicas' modules, which each emulator's zygote (emulator/zygote.py) then finds imported.
REPLICAS = ["emulator.replica.__main__", "emulator.replica.vllm.__main__", "emulator.replica.sglang.__main__",
            "emulator.baseten.truss_server", "emulator.baseten.engine"]
PRELOAD = [*ALIASES.values(), "moto.server", "tests.forked_warm", *REPLICAS]

_context: ForkServerContext | None = None


def _serve(main: str, args: list[str], log_path: str, cwd: str, env: dict[str, str]) -> None:
    """In the forked process: what `python -m` would have set up, then the emulator's main."""
    os.setsid()  # as start_new_session=True: its own process group, which stop_process kills as a whole
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)  # the test's environment now, not the fork server's when it started
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.argv = [main, *args]
    sys.exit(importlib.import_module(main).main(args))


class Forked:
    """A forked emulator behind the part of subprocess.Popen's interface the fixtures use."""

    def __init__(self, process: multiprocessing.process.BaseProcess, argv: list[str]) -> None:
        self.process, self.args = process, argv

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode

    def poll(self) -> int | None:
        return self.process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.process.exitcode

    def send_signal(self, sig: int) -> None:
        os.kill(self.pid, sig)


def forkable(argv: list[str]) -> str | None:
    """The module whose main to fork for `python -m MODULE ...` with this interpreter, or None (run it as is)."""
    return ALIASES.get(python_module(argv) or "")


def start(main: str, argv: list[str], log_path: Path, cwd: Path) -> Forked:
    """Fork `main(argv[3:])` (argv: the `python -m` command it stands for) from the preloaded server."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    process = _context.Process(target=_serve, args=(main, argv[3:], str(log_path), str(cwd), dict(os.environ)),
                               daemon=True)  # stopped if a worker exits with it still running
    process.start()
    return Forked(process, argv)
