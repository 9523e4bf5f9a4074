"""Local server processes: a free loopback port to start one on, waiting until a started one answers, and the
background daemons of `python -m emulator` / `python -m emulator.baseten` (`serve --daemon`, `stop`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed


class ServerExited(RuntimeError):
    """The server process ended before it answered (returncode: its exit status)."""

    def __init__(self, message: str, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_url(port: int, path: str = "") -> str:
    """The http URL of a server of ours on loopback (every emulator listens on 127.0.0.1 only)."""
    return f"http://127.0.0.1:{port}{path}"


def wait_until_up(answers: Callable[[], bool], what: str, proc: subprocess.Popen[bytes] | None = None,
                  timeout_s: float = 30.0, poll_s: float = 0.1) -> None:
    """Poll `answers` (an HTTP error counts as not yet) until it is true.

    ServerExited when `proc` ends first, TimeoutError after timeout_s.
    """

    def up() -> bool:
        if proc is not None and proc.poll() is not None:
            raise ServerExited(f"{what} exited with status {proc.returncode} before it answered", proc.returncode)
        try:
            return answers()
        except httpx.HTTPError:
            return False

    try:
        Retrying(stop=stop_after_delay(timeout_s), wait=wait_fixed(poll_s),
                 retry=retry_if_result(lambda ok: not ok))(up)
    except RetryError:
        raise TimeoutError(f"{what} did not answer within {timeout_s:g} s") from None


def spawn_daemon(module: str, argv: list[str], state_dir: Path, name: str, answers: Callable[[], bool], what: str,
                 timeout_s: float = 30.0, poll_s: float = 0.1) -> subprocess.Popen[bytes]:
    """Start `python -m module argv` in the background and wait until `answers` (see wait_until_up).

    Its own session, stdin closed, output appended to state_dir/NAME.log, its pid in state_dir/NAME.pid.
    ServerExited when it ends first, TimeoutError (it is left running) after timeout_s.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / f"{name}.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", module, *argv], stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    (state_dir / f"{name}.pid").write_text(str(proc.pid))
    wait_until_up(answers, what, proc, timeout_s=timeout_s, poll_s=poll_s)
    return proc


def stop_daemon(pidfile: Path, timeout_s: float = 15.0) -> int | None:
    """SIGTERM the pid in `pidfile` (which must exist), SIGKILL if it still runs after timeout_s; the pid file goes.

    Returns the pid stopped, or None when no such process was running.
    """
    pid = int(pidfile.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pidfile.unlink()
        return None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
    return pid


def start_daemon(module: str, argv: list[str], state_dir: Path, name: str, what: str, url: str,
                 answers: Callable[[], bool], timeout_s: float = 30.0, poll_s: float = 0.1) -> int:
    """`serve --daemon` of an emulator: spawn `python -m module` with argv less --daemon, wait until it answers,
    and say where it runs; the exit status of the command."""
    log = state_dir / f"{name}.log"
    if answers():
        print(f"emulator: {what} already running on {url}")
        return 0
    try:
        proc = spawn_daemon(module, [a for a in argv if a != "--daemon"], state_dir, name, answers, what,
                            timeout_s=timeout_s, poll_s=poll_s)
    except ServerExited as exc:
        print(f"emulator: {what} failed to start (exit {exc.returncode}); see {log}", file=sys.stderr)
        return 1
    except TimeoutError:
        print(f"emulator: {what} did not answer within {timeout_s:g} s; see {log}", file=sys.stderr)
        return 1
    print(f"emulator: {what} running (pid {proc.pid}) on {url}; log {log}")
    return 0


def stop_command(state_dir: Path, name: str, what: str, timeout_s: float) -> int:
    """`stop` of an emulator: SIGTERM its daemon (it kills its replicas on the way out); the exit status."""
    pidfile = state_dir / f"{name}.pid"
    if not pidfile.exists():
        print(f"emulator: {what} not running (no pid file)")
        return 0
    pid = stop_daemon(pidfile, timeout_s=timeout_s)
    print(f"emulator: {what} " + ("not running" if pid is None else f"stopped (pid {pid})"))
    return 0


def key_source(key: str, env_name: str, default: str) -> str:
    """Where an emulator's API key came from, for its log: never the key itself."""
    if key == default:
        return "the default (README)"
    return f"${env_name}" if os.environ.get(env_name) == key else "--api-key"
