"""Local server processes: a free loopback port to start one on, and waiting until a started one answers."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable

import httpx
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed


class ServerExited(RuntimeError):
    """The server process ended before it answered."""


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(answers: Callable[[], bool], what: str, proc: subprocess.Popen[bytes] | None = None,
                  timeout_s: float = 30.0, poll_s: float = 0.1) -> None:
    """Poll `answers` (an HTTP error counts as not yet) until it is true.

    ServerExited when `proc` ends first, TimeoutError after timeout_s.
    """

    def up() -> bool:
        if proc is not None and proc.poll() is not None:
            raise ServerExited(f"{what} exited with status {proc.returncode} before it answered")
        try:
            return answers()
        except httpx.HTTPError:
            return False

    try:
        Retrying(stop=stop_after_delay(timeout_s), wait=wait_fixed(poll_s),
                 retry=retry_if_result(lambda ok: not ok))(up)
    except RetryError:
        raise TimeoutError(f"{what} did not answer within {timeout_s:g} s") from None
