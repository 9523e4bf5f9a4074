"""A private network namespace (its own loopback) for a test that must use fixed ports, so that it runs beside
other tests, other pytest-xdist workers and a demo already listening on those ports.

Linux network namespaces (`unshare --net`, `nsenter --net`, util-linux): a process in the namespace sees only its
loopback, brought up here, and no port of the host's. Creating one needs CAP_SYS_ADMIN (root, as on CI and the
project's machines); `available()` says why not elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

# The holder: lo up (down in a new namespace), then keep the namespace alive until it is killed.
HOLD = "ip link set lo up && echo up && exec sleep infinity"


def available() -> str | None:
    """None when this process can make and enter a network namespace, else why not."""
    if os.geteuid() != 0:
        return "creating a network namespace needs root (CAP_SYS_ADMIN)"
    for tool in ("unshare", "nsenter", "ip"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (util-linux / iproute2)"
    return None


@contextmanager
def namespace() -> Iterator[list[str]]:
    """A fresh network namespace with loopback up; yields the argv prefix that runs a command inside it."""
    holder = subprocess.Popen(["unshare", "--net", "sh", "-c", HOLD], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        assert holder.stdout is not None
        if holder.stdout.readline().strip() != "up":
            holder.wait(10)
            raise RuntimeError(f"no network namespace: {holder.stderr.read() if holder.stderr else ''}")
        yield ["nsenter", f"--net=/proc/{holder.pid}/ns/net", "--"]
    finally:
        holder.kill()
        holder.wait(10)
