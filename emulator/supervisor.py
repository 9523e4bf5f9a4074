"""Replica processes: the simulated TGI server (emulator.replica) started on a free loopback port, its output read
line by line, and killed — whichever emulated cloud asks for it.

One Supervisor per emulator process bounds how many replicas run at once (each is a real process on this machine),
so the SaladCloud and Baseten emulators can share one machine-wide bound. Every replica dies with the emulator,
however the emulator dies (Linux: PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from emulator.linux import die_with_parent
from emulator.procs import free_port
from emulator.zygote import Zygote, ZygoteProcess

# The simulated TGI's timings the emulators start their replicas with unless told otherwise.
REPLICA_LOAD_S = 5.0  # seconds until the model is loaded
REPLICA_TOKEN_MS = 20.0  # per-token latency


def replica_timings(load_s: float = REPLICA_LOAD_S, token_ms: float = REPLICA_TOKEN_MS) -> dict[str, str]:
    """The simulated TGI's own timings as a Supervisor's defaults (a replica's TGI_SIM_* environment overrides them)."""
    return {"TGI_SIM_LOAD_S": str(load_s), "TGI_SIM_TOKEN_MS": str(token_ms)}


LineSink = Callable[["ReplicaProcess", str, str], None]
"""Called with (process, stream 'stdout'|'stderr', line without its newline) for every line a replica prints."""


class SpawnError(Exception):
    """A replica process could not be started; the message says why (e.g. the environment is too large)."""


class CapacityError(SpawnError):
    """The supervisor's process bound is reached."""


@dataclass(frozen=True)
class ReplicaSpec:
    """What a container runs with: its environment (TGI launcher settings, TGI_SIM_* knobs) and its GPU."""

    env: Mapping[str, str] = field(default_factory=dict)
    gpu_vram_bytes: int | None = None  # the emulated GPU's memory; a model that needs more fails with CUDA OOM
    label: str = "replica"  # prefixes the replica's lines in the emulator's log
    module: str = "emulator.replica"  # the simulated server: TGI's, or another engine speaking its env (Baseten's)
    # The whole command line for a port, in place of `python -m module --port PORT` (an engine's own arguments,
    # a real engine's python: emulator/images.py).
    argv: Callable[[int], list[str]] | None = None


class ReplicaProcess:
    """One running replica: where it listens and how to stop it."""

    def __init__(self, spec: ReplicaSpec, port: int, proc: asyncio.subprocess.Process | ZygoteProcess) -> None:
        self.spec, self.port, self.proc = spec, port, proc
        self._readers: list[asyncio.Task[None]] = []

    @property
    def pid(self) -> int:
        return self.proc.pid

    def env_digests(self) -> dict[str, str]:
        """The container's own environment (its spec's, not the emulator's) as name -> sha256 of the value, 16 hex
        digits: what tests may see of it (a forked replica's /proc/PID/environ is still the emulator's)."""
        return {k: hashlib.sha256(v.encode()).hexdigest()[:16] for k, v in sorted(self.spec.env.items())}

    @property
    def returncode(self) -> int | None:
        """None while it runs, then its exit status."""
        return self.proc.returncode

    def alive(self) -> bool:
        return self.proc.returncode is None

    async def listening(self) -> bool:
        """Whether it accepts TCP connections on its port yet."""
        return await port_open(self.port)

    def kill(self) -> None:
        """SIGKILL its whole process group (a container stop gives no grace here).

        The group, not the pid, and even once the replica itself has exited: a real engine runs worker processes
        of its own (vLLM's engine core), which a container's end takes with it."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # start_new_session: its pid is its group's id
        except ProcessLookupError:
            pass  # the group is gone, the process with it
        except PermissionError:
            # Only then the process itself: subprocess's kill polls first, and a poll that reaps the dead process in
            # asyncio's child watcher's place makes asyncio report 255 instead of its signal.
            if self.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()

    async def wait(self) -> int:
        """Its exit status, once it and its output readers are done."""
        code = await self.proc.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)
        return code


class Supervisor:
    """Starts and tracks replica processes under one bound."""

    def __init__(self, defaults: Mapping[str, str] | None = None, max_processes: int = 20,
                 zygote: Zygote | None = None) -> None:
        # defaults: TGI_SIM_* timings the emulator was started with; a replica's own env wins over them.
        self.defaults = dict(defaults or {})
        self.max_processes = max_processes
        self.processes: set[ReplicaProcess] = set()
        # Forks the emulator's own modules (emulator.replica, ...) ready-imported; anything else is a subprocess.
        self.zygote = zygote

    def running(self) -> list[ReplicaProcess]:
        """The replicas whose process has not exited."""
        self.processes = {p for p in self.processes if p.alive()}
        return sorted(self.processes, key=lambda p: p.pid)

    async def spawn(self, spec: ReplicaSpec, on_line: LineSink | None = None) -> ReplicaProcess:
        """Start a replica on a free loopback port; SpawnError (or CapacityError) when it cannot start."""
        if len(self.running()) >= self.max_processes:
            raise CapacityError(f"the emulator runs at most {self.max_processes} replica processes")
        port = free_port()
        env = {**os.environ, **self.defaults, **spec.env, "PORT": str(port)}
        if spec.gpu_vram_bytes:
            env["TGI_SIM_GPU_VRAM_BYTES"] = str(spec.gpu_vram_bytes)
        try:
            proc: asyncio.subprocess.Process | ZygoteProcess
            argv = spec.argv(port) if spec.argv else [sys.executable, "-m", spec.module, "--port", str(port)]
            if self.zygote is not None and self.zygote.alive and forkable(argv):
                proc = await self.zygote.spawn(argv[2], argv[3:], env)
            else:
                proc = await asyncio.create_subprocess_exec(
                    *argv, env=env, start_new_session=True, stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, preexec_fn=die_with_parent)
        except OSError as exc:  # E2BIG (environment too large), ENOMEM, EAGAIN: this replica's failure only
            raise SpawnError(f"cannot start the container: {exc.strerror or exc}") from None
        replica = ReplicaProcess(spec, port, proc)
        loop = asyncio.get_running_loop()
        for name, stream in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            assert stream is not None
            replica._readers.append(loop.create_task(_pump(replica, name, stream, on_line)))
        self.processes.add(replica)
        return replica

    async def shutdown(self) -> None:
        """Kill every replica and wait for them; then the zygote."""
        for replica in list(self.processes):
            replica.kill()
        await asyncio.gather(*(r.wait() for r in self.processes), return_exceptions=True)
        self.processes.clear()
        if self.zygote is not None:
            self.zygote.close()


def python_module(argv: list[str]) -> str | None:
    """MODULE when argv is `python -m MODULE ...` with this interpreter, else None."""
    return argv[2] if len(argv) > 2 and argv[0] == sys.executable and argv[1] == "-m" else None


def forkable(argv: list[str]) -> bool:
    """Whether argv is one of the emulator's own modules run by this interpreter (`python -m emulator.X ...`): the
    zygote forks those ready-imported; anything else (a real engine's python) starts as a subprocess."""
    return (python_module(argv) or "").startswith("emulator.")


async def _pump(replica: ReplicaProcess, name: str, stream: asyncio.StreamReader, on_line: LineSink | None) -> None:
    """Copy a replica's output to the emulator's own stream (like container logs) and hand each line on."""
    out = sys.stdout if name == "stdout" else sys.stderr
    while True:
        try:
            raw = await stream.readline()
        except ValueError:  # a line over the reader's limit: take what is buffered
            raw = await stream.read(2**16)
        if not raw:
            return
        line = raw.decode(errors="replace").rstrip("\r\n")
        print(f"[{replica.spec.label}] {line}", file=out, flush=True)
        if on_line is not None:
            try:
                on_line(replica, name, line)
            except Exception as exc:  # a sink's failure must not stop the replica's output
                print(f"emulator: log sink error: {exc!r}", file=sys.stderr, flush=True)


async def port_open(port: int | None) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    if port is None:
        return False
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True
