"""Linux process controls the emulators' processes use (prctl); no-ops elsewhere."""

from __future__ import annotations

import signal
import sys

PR_SET_PDEATHSIG, PR_SET_NAME = 1, 15


def _prctl(option: int, arg: int | bytes) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(option, arg)


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies, however it dies (no orphaned replicas or servers)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def set_name(name: str) -> None:
    """This process's name in ps/top (`comm`: 15 bytes at most)."""
    _prctl(PR_SET_NAME, name.encode()[:15])
