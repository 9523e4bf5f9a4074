"""A port free_port() handed out can be taken before the emulator binds it (another pytest-xdist worker's server):
the fixture then starts it again on new ports instead of failing the test (seen: the Baseten emulator's
"[Errno 98] ... address already in use", exit 3)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulator_fixture import Emulator, PortTaken, running


@pytest.fixture
def on_a_taken_port(tmp_path: Path) -> Iterator[Emulator]:
    """An emulator (not started) whose API port another socket already listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        emu = Emulator.on_free_ports(tmp_path / "emulator")
        emu.port = taken.getsockname()[1]
        yield emu


def test_a_port_taken_in_between_is_picked_again(on_a_taken_port: Emulator) -> None:
    taken = on_a_taken_port.port
    with running(on_a_taken_port) as started:
        assert started.port != taken
        assert started.status()["groups"] == []


def test_a_port_taken_every_time_still_fails_with_the_servers_words(on_a_taken_port: Emulator) -> None:
    with pytest.raises(PortTaken, match="address already in use"), running(on_a_taken_port, tries=1):
        pass
