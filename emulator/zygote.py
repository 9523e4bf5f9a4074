"""Replica processes forked from a copy of the emulator made before it serves: a replica's modules are imported once
per emulator, not once per replica.

A simulated replica is `python -m emulator.replica ...` (or another simulated engine's module, a truss server): a
fresh interpreter spends ~0.5 s of CPU importing FastAPI, uvicorn and the API models before it listens, and the
emulators start one per instance and one per restart. The zygote is a child forked while the emulator is still one
thread (before its event loop and servers start). Asked over a Unix socket, it imports the module (once) and forks a
child that runs it as `python -m` would: in its own session, with the replica's environment, its stdout and stderr on
the pipes passed with the request and stdin on /dev/null. It reaps its children and reports each exit status as
asyncio reports a subprocess's (negative: the signal). Every replica dies with the zygote and the zygote with the
emulator (Linux: PR_SET_PDEATHSIG). The kernel's limit on a new process's arguments and environment (E2BIG) is kept,
though nothing is exec'd: a container whose environment is too large fails to start here as it would.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import errno
import importlib
import importlib.util
import io
import itertools
import json
import os
import runpy
import select
import signal
import socket
import struct
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from emulator.linux import die_with_parent, set_name

HEADER = struct.Struct("!I")
MAX_ARG_STRLEN = 32 * 4096  # Linux: one argument or environment string at most (include/uapi/linux/binfmts.h)


def exec_limit_error(argv: Sequence[str], env: Mapping[str, str]) -> OSError | None:
    """E2BIG when execve would refuse these arguments and environment (each string within MAX_ARG_STRLEN, all of
    them and their pointers within ARG_MAX), else None."""
    strings = [*argv, *(f"{k}={v}" for k, v in env.items())]
    sizes = [len(s.encode(errors="surrogateescape")) + 1 for s in strings]
    if any(size > MAX_ARG_STRLEN for size in sizes) or \
            sum(sizes) + 8 * (len(strings) + 2) > os.sysconf("SC_ARG_MAX"):
        return OSError(errno.E2BIG, os.strerror(errno.E2BIG))
    return None


def _send(sock: socket.socket, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
    data = json.dumps(message).encode()
    head = HEADER.pack(len(data))
    if fds:
        sock.sendmsg([head], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
    else:
        sock.sendall(head)
    sock.sendall(data)


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv(sock: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """One framed message and the fds that came with its header; None at EOF."""
    head, fds, _, _ = socket.recv_fds(sock, HEADER.size, 4)
    if not head:
        return None
    rest = _recv_exactly(sock, HEADER.size - len(head)) if len(head) < HEADER.size else b""
    if rest is None:
        return None
    body = _recv_exactly(sock, HEADER.unpack(head + rest)[0])
    return (json.loads(body), fds) if body is not None else None


def _main_name(module: str) -> str:
    """The module `python -m module` runs as __main__: a package's __main__, else the module itself."""
    spec = importlib.util.find_spec(module)
    return f"{module}.__main__" if spec is not None and spec.submodule_search_locations else module


def _preload(module: str) -> None:
    """Import what `python -m module` imports, without running it as __main__."""
    with contextlib.suppress(Exception):  # the child runs it again and shows the error as a process would
        importlib.import_module(_main_name(module))


def _run_child(module: str, args: list[str], env: dict[str, str], out: int, err: int) -> None:
    """In the forked replica: what a fresh `python -m module args` would have, then the module; never returns."""
    code = 1
    try:
        os.setsid()
        die_with_parent()
        set_name(module.removeprefix("emulator."))  # the command line stays the emulator's: nothing is exec'd
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL if sig != signal.SIGINT else signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        for fd in {null, out, err} - {0, 1, 2}:
            os.close(fd)
        os.environ.clear()
        os.environ.update(env)
        # The streams a new interpreter would open on these fds (a pipe: block-buffered unless PYTHONUNBUFFERED).
        unbuffered = bool(env.get("PYTHONUNBUFFERED"))
        sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), write_through=unbuffered,  # noqa: SIM115
                                      line_buffering=False)
        sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), line_buffering=True,  # noqa: SIM115
                                      errors="backslashreplace")
        sys.argv = [module, *args]
        # Run fresh as __main__: the copy _preload imported (for its imports) would make runpy warn.
        try:
            sys.modules.pop(_main_name(module), None)
            runpy.run_module(module, run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
            code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _serve(requests: socket.socket, replies: socket.socket) -> None:
    """The zygote's loop: fork a replica per request, report each one's pid and exit; ends at the emulator's EOF."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    # A terminal's Ctrl-C reaches the emulator's whole process group: the emulator stops the replicas, and this
    # process ends at its EOF (or with it), without a KeyboardInterrupt of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        ready, _, _ = select.select([requests.fileno(), wake_r], [], [])
        if wake_r in ready:
            # Reaped in a later turn than the fork's own, so a replica's exit is always reported after its pid.
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 512)
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                _send(replies, {"exit": pid, "code": os.waitstatus_to_exitcode(status)})
        if requests.fileno() in ready:
            got = _recv(requests)
            if got is None:
                return  # the emulator is gone or done: the replicas go with this process (PDEATHSIG)
            message, fds = got
            _preload(message["module"])
            try:
                pid = os.fork()
            except OSError as exc:
                _send(replies, {"id": message["id"], "errno": exc.errno, "error": exc.strerror or str(exc)})
            else:
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    requests.close()
                    replies.close()
                    os.close(wake_r)
                    os.close(wake_w)
                    _run_child(message["module"], message["args"], message["env"], fds[0], fds[1])
                _send(replies, {"id": message["id"], "pid": pid})
            for fd in fds:
                os.close(fd)


class ZygoteProcess:
    """A replica forked by the zygote, behind the part of asyncio.subprocess.Process's interface replicas use."""

    def __init__(self, pid: int, exited: asyncio.Future[int], stdout: asyncio.StreamReader,
                 stderr: asyncio.StreamReader) -> None:
        self.pid, self._exited, self.stdout, self.stderr = pid, exited, stdout, stderr

    @property
    def returncode(self) -> int | None:
        return self._exited.result() if self._exited.done() else None

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


class Zygote:
    """The emulator's side: start the zygote (before serving), then `spawn` replicas through it."""

    def __init__(self, requests: socket.socket, replies: socket.socket, pid: int) -> None:
        self._requests, self._replies, self.pid = requests, replies, pid
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[tuple[int, asyncio.Future[int]]]] = {}
        self._exits: dict[int, asyncio.Future[int]] = {}  # by pid, while the replica runs
        self._reader: asyncio.Task[None] | None = None
        self.alive = True

    @classmethod
    def start(cls) -> Zygote | None:
        """Fork the zygote now; None where forking is not safe (threads running) or not possible."""
        if threading.active_count() != 1 or not hasattr(socket, "recv_fds"):
            return None
        req_parent, req_child = socket.socketpair()
        rep_parent, rep_child = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                die_with_parent()
                req_parent.close()
                rep_parent.close()
                _serve(req_child, rep_child)
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        req_child.close()
        rep_child.close()
        return cls(req_parent, rep_parent, pid)

    async def _read_replies(self) -> None:
        reader, _ = await asyncio.open_connection(sock=self._replies)
        loop = asyncio.get_running_loop()
        try:
            while True:
                head = await reader.readexactly(HEADER.size)
                message = json.loads(await reader.readexactly(HEADER.unpack(head)[0]))
                if "exit" in message:
                    exited = self._exits.pop(message["exit"], None)  # popped: the pid may be used again
                    if exited is not None and not exited.done():
                        exited.set_result(message["code"])
                    continue
                waiter = self._pending.pop(message["id"], None)
                if "pid" in message:
                    exited = self._exits[message["pid"]] = loop.create_future()
                    if waiter is not None and not waiter.done():
                        waiter.set_result((message["pid"], exited))
                elif waiter is not None and not waiter.done():
                    waiter.set_exception(OSError(message.get("errno") or errno.EAGAIN, message["error"]))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            # The zygote is gone, and its replicas with it (PDEATHSIG): later spawns start subprocesses.
            self.alive = False
            for waiter in self._pending.values():
                if not waiter.done():
                    waiter.set_exception(OSError(errno.ECHILD, "the emulator's replica zygote exited"))
            for exited in self._exits.values():
                if not exited.done():
                    exited.set_result(-signal.SIGKILL)

    async def spawn(self, module: str, args: list[str], env: Mapping[str, str]) -> ZygoteProcess:
        """Fork `python -m module args` with env; OSError as a subprocess start would raise it (E2BIG included)."""
        limit = exec_limit_error([sys.executable, "-m", module, *args], env)
        if limit is not None:
            raise limit
        loop = asyncio.get_running_loop()
        if self._reader is None:
            self._reader = loop.create_task(self._read_replies())
        if not self.alive:
            raise OSError(errno.ECHILD, "the emulator's replica zygote exited")
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        ident = next(self._ids)
        waiter: asyncio.Future[tuple[int, asyncio.Future[int]]] = loop.create_future()
        self._pending[ident] = waiter
        try:
            _send(self._requests, {"id": ident, "module": module, "args": args, "env": dict(env)}, [out_w, err_w])
        except OSError:
            self._pending.pop(ident, None)
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        try:
            pid, exited = await waiter
        except OSError:
            os.close(out_r)
            os.close(err_r)
            raise
        streams = [await _stream(loop, fd) for fd in (out_r, err_r)]
        return ZygoteProcess(pid, exited, streams[0], streams[1])

    def close(self) -> None:
        """Stop the zygote (its replicas die with it) and reap it."""
        with contextlib.suppress(OSError):
            self._requests.close()
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)


async def _stream(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamReader:
    """An asyncio reader on a pipe's read end (the limit asyncio's subprocess streams have)."""
    reader = asyncio.StreamReader(limit=2**16, loop=loop)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop), os.fdopen(fd, "rb", 0))
    return reader
