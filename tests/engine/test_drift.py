"""Drift is repaired by `pulumi up`, with or without --refresh: a group stopped or deleted out of band comes back,
a crashed replica makes the smoke stage run again, and each repaired deployment is proven by the smoke test."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.emulator_fixture import KEY, Emulator, running
from tests.engine.conftest import local_stack
from tests.engine.harness import Project

SMOKE_OK = "smoke: 4 chat completions OK"


def answers(emu: Emulator, dns: str) -> int:
    return httpx.post(f"http://{emu.gateway}/v1/chat/completions", timeout=30,
                      headers={"Host": dns, "Salad-Api-Key": KEY},
                      json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}).status_code


def wait_status(emu: Emulator, status: str) -> None:
    deadline = time.monotonic() + 30
    while (group := emu.client().get_group("tgi-local")) is None or group.current_state.status != status:
        assert time.monotonic() < deadline, f"the group never became {status}"
        time.sleep(0.2)


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[Emulator]:
    """An emulator whose replicas take 20 s to load: a crashed replica is still down when `up` looks. (4 s was not
    enough beside other pytest-xdist workers: `up` took 16 s and found the replica loaded again.)"""
    with running(Emulator.on_free_ports(tmp_path / "emulator", args={"--load-s": "20"})) as emu:
        yield emu


@pytest.fixture
def local_slow(tmp_path: Path, slow: Emulator) -> Iterator[Project]:
    yield from local_stack(tmp_path, slow)


def test_up_repairs_drift(local: Project, emulator: Emulator) -> None:
    local.run("up", "--yes", "--skip-preview")
    dns = local.outputs()["access_domain"]
    assert answers(emulator, dns) == 200

    # Stopped out of band: `up` alone (no --refresh) starts it again and proves it.
    emulator.client().stop_group("tgi-local")
    wait_status(emulator, "stopped")
    assert answers(emulator, dns) != 200
    preview = local.run("preview", "--diff")
    assert "to update" in preview.stdout, preview.stdout
    up = local.run("up", "--yes", "--skip-preview")
    assert SMOKE_OK in up.stdout, up.stdout
    assert answers(emulator, dns) == 200

    # Deleted out of band: `up --refresh` and plain `up` both make it again.
    emulator.client().delete_group("tgi-local")
    emulator.wait_empty()
    up = local.run("up", "--yes", "--skip-preview")
    assert SMOKE_OK in up.stdout, up.stdout
    assert [g["name"] for g in emulator.status()["groups"]] == ["tgi-local"]
    assert answers(emulator, local.outputs()["access_domain"]) == 200
    emulator.client().delete_group("tgi-local")
    emulator.wait_empty()
    up = local.run("up", "--refresh", "--yes", "--skip-preview")
    assert SMOKE_OK in up.stdout, up.stdout

    # Nothing drifted: nothing to do.
    quiet = local.run("up", "--yes", "--skip-preview")
    assert SMOKE_OK not in quiet.stdout and "unchanged" in quiet.stdout
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}


def test_a_crashed_replica_makes_up_prove_the_deployment_again(local_slow: Project, slow: Emulator) -> None:
    """Nothing in the config changed, but the health check re-runs the smoke stage. Its own test: only this needs
    replicas slow to load (the others would wait 20 s per `up` for nothing)."""
    local_slow.run("up", "--yes", "--skip-preview")
    victim = slow.status()["processes"][0]["pid"]
    os.kill(victim, signal.SIGKILL)
    up = local_slow.run("up", "--yes", "--skip-preview")
    assert SMOKE_OK in up.stdout, up.stdout
    quiet = local_slow.run("up", "--yes", "--skip-preview")
    assert SMOKE_OK not in quiet.stdout and "unchanged" in quiet.stdout
