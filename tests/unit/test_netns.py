"""tests/netns.py: a port taken on the host is free inside the private namespace, and its loopback works (what lets
the README demo test use the stacks' fixed ports beside the rest of the suite)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests import netns

# Binds the port, connects to it over loopback, prints what came back: fails if the port is taken or lo is down.
ECHO = """
import socket, sys
port = int(sys.argv[1])
with socket.create_server(("127.0.0.1", port)) as srv, socket.create_connection(("127.0.0.1", port), 5) as c:
    conn, _ = srv.accept()
    conn.sendall(b"hello from inside")
    print(c.recv(100).decode())
"""


def test_a_port_taken_on_the_host_is_free_inside() -> None:
    why = netns.available()
    if why is not None:
        pytest.skip(why)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        outside = subprocess.run([sys.executable, "-c", ECHO, str(port)], capture_output=True, text=True, timeout=30)
        assert outside.returncode != 0 and "Address already in use" in outside.stderr  # the control
        with netns.namespace() as inside:
            done = subprocess.run([*inside, sys.executable, "-c", ECHO, str(port)], capture_output=True, text=True,
                                  timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "hello from inside"


def test_the_namespace_has_nothing_of_the_host() -> None:
    """A server on the host's loopback is not reachable from inside."""
    why = netns.available()
    if why is not None:
        pytest.skip(why)
    probe = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2)"
    with socket.create_server(("127.0.0.1", 0)) as host, netns.namespace() as inside:
        port = host.getsockname()[1]
        assert subprocess.run([sys.executable, "-c", probe, str(port)], timeout=30).returncode == 0  # the control
        done = subprocess.run([*inside, sys.executable, "-c", probe, str(port)], capture_output=True, text=True,
                              timeout=30)
    assert done.returncode != 0 and "Connection refused" in done.stderr, done.stderr
