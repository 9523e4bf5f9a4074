"""Starts the local SaladCloud emulator on free loopback ports for a test, and stops it (and its replicas) after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from components.salad.client import SaladClient
from emulator.cloud import free_port

ROOT = Path(__file__).resolve().parents[1]
KEY = "local-emulator-key"
FAST = {"--allocate-s": "0.2", "--download-s": "0.2", "--load-s": "0.5", "--token-ms": "2"}


@dataclass
class Emulator:
    """A running emulator process and helpers to look inside it."""

    port: int
    gateway_port: int
    state_dir: Path
    args: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/public"

    @property
    def gateway(self) -> str:
        return f"127.0.0.1:{self.gateway_port}"

    @property
    def hub(self) -> str:
        return f"http://127.0.0.1:{self.port}/hub"

    def start(self) -> None:
        argv = [sys.executable, "-m", "emulator", "serve", "--port", str(self.port), "--gateway-port",
                str(self.gateway_port), "--state-dir", str(self.state_dir), "--api-key", KEY]
        for k, v in {**FAST, **self.args}.items():
            argv += [k, v]
        log = open(self.state_dir / "emulator.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited: {(self.state_dir / 'emulator.log').read_text()[-2000:]}")
            try:
                if self.status() is not None:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("emulator did not start in 30 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def status(self) -> dict[str, Any]:
        r = httpx.get(f"http://127.0.0.1:{self.port}/_emulator/status", headers={"Salad-Api-Key": KEY}, timeout=5)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def faults(self, *faults: dict[str, Any]) -> None:
        r = httpx.post(f"http://127.0.0.1:{self.port}/_emulator/faults", json=list(faults),
                       headers={"Salad-Api-Key": KEY}, timeout=5)
        r.raise_for_status()

    def client(self, org: str = "local-org", project: str = "default") -> SaladClient:
        return SaladClient(self.base_url, org, project, KEY, max_attempts=2)

    def wait_empty(self, timeout: float = 20) -> dict[str, Any]:
        """Wait until no group and no replica process is left; returns the last status."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            if not status["groups"] and not status["processes"]:
                return status
            if time.monotonic() > deadline:
                return status
            time.sleep(0.2)


def replica_pids_alive(pids: list[int]) -> list[int]:
    """The pids that still exist."""
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """A fresh emulator with fast timings; stopped after the test, replicas included."""
    emu = Emulator(port=free_port(), gateway_port=free_port(), state_dir=tmp_path / "emulator")
    emu.state_dir.mkdir()
    emu.start()
    pids: list[int] = []
    try:
        yield emu
        if emu.proc and emu.proc.poll() is None:
            pids = [p["pid"] for p in emu.status()["processes"]]
    finally:
        emu.stop()
    assert replica_pids_alive(pids) == [], "the emulator left replica processes running"
