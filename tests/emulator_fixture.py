"""Starts the local SaladCloud emulator on free loopback ports for a test, and stops it (and its replicas) after."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from components.providers.salad.client import SaladClient
from emulator.procs import ServerExited, free_port, local_url, wait_until_up
from tests import forked
from tests.engine.harness import Project

ROOT = Path(__file__).resolve().parents[1]
KEY = "local-emulator-key"
ORG, PROJECT = "local-org", "default"  # what `python -m emulator serve` hosts by default
FAST = {"--allocate-s": "0.2", "--download-s": "0.2", "--load-s": "0.5", "--token-ms": "2"}


GRANTED = "hf_local_demo_token_granted"  # a token the emulator's hub stub grants every model to


@dataclass
class Emulator:
    """A running emulator process and helpers to look inside it."""

    port: int
    gateway_port: int
    state_dir: Path
    args: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | forked.Forked | None = None

    @classmethod
    def on_free_ports(cls, state_dir: Path, args: dict[str, str] | None = None) -> Emulator:
        """An emulator (not started yet) on free loopback ports, keeping its state and log in state_dir."""
        state_dir.mkdir(parents=True)
        return cls(port=free_port(), gateway_port=free_port(), state_dir=state_dir, args=args or {})

    @property
    def base_url(self) -> str:
        return local_url(self.port, "/api/public")

    @property
    def gateway(self) -> str:
        return f"127.0.0.1:{self.gateway_port}"

    @property
    def hub(self) -> str:
        return local_url(self.port, "/hub")

    def start(self) -> None:
        argv = [sys.executable, "-m", "emulator", "serve", "--port", str(self.port), "--gateway-port",
                str(self.gateway_port), "--state-dir", str(self.state_dir), "--api-key", KEY]
        self.proc = launch(argv, {**FAST, **self.args}, self.state_dir / "emulator.log", "the emulator",
                           lambda: self.status() is not None)

    def stop(self) -> None:
        stop_process(self.proc)

    def status(self) -> dict[str, Any]:
        r = httpx.get(local_url(self.port, "/_emulator/status"), headers={"Salad-Api-Key": KEY}, timeout=5)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def faults(self, *faults: dict[str, Any]) -> None:
        r = httpx.post(local_url(self.port, "/_emulator/faults"), json=list(faults),
                       headers={"Salad-Api-Key": KEY}, timeout=5)
        r.raise_for_status()

    def api(self, org: str = ORG, project: str = PROJECT) -> httpx.Client:
        """A plain HTTP client for the project's API paths (raw bodies and error answers), with the API key."""
        return httpx.Client(base_url=f"{self.base_url}/organizations/{org}/projects/{project}",
                            headers={"Salad-Api-Key": KEY}, timeout=10)

    def client(self, org: str = ORG, project: str = PROJECT) -> SaladClient:
        return SaladClient(self.base_url, org, project, KEY, max_attempts=2)

    def point_at(self, p: Project, *, secrets: bool = False, extra: Mapping[str, str] | None = None) -> None:
        """Override only a stack's addresses (and, for stacks without them, its secrets) to use this emulator; `extra`
        keys go in the same `config set-all`."""
        p.configure({"tgi-fleet:salad.base_url": self.base_url,
                     "tgi-fleet:salad.organization": ORG,  # the one organization the emulator hosts
                     "tgi-fleet:salad.project": PROJECT,
                     "tgi-fleet:salad.gateway_scheme": "http",
                     "tgi-fleet:salad.gateway_address": self.gateway,
                     "tgi-fleet:secrets.hf_endpoint": self.hub, **(extra or {})},
                    {"tgi-fleet:salad_api_key": KEY, "tgi-fleet:hf_token": GRANTED} if secrets else None)

    def wait_empty(self, timeout: float = 20) -> dict[str, Any]:
        """Wait until no group and no replica process is left; returns the last groups and processes."""
        last = wait_empty(self.status, "groups", timeout)
        return {"groups": last["groups"], "processes": last["processes"]}


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


class PortTaken(RuntimeError):
    """The server could not bind a port free_port() gave: another process took it in between."""


def launch(argv: list[str], flags: dict[str, str], log_path: Path, what: str,
           answers: Callable[[], bool]) -> subprocess.Popen[bytes] | forked.Forked:
    """Start a local server (its output to log_path) and wait until `answers`; RuntimeError with its log if not
    (PortTaken when it could not bind)."""
    for k, v in flags.items():
        argv += [k, v]
    since = log_path.stat().st_size if log_path.exists() else 0
    main = forked.forkable(argv)
    proc: subprocess.Popen[bytes] | forked.Forked
    if main is not None:
        proc = forked.start(main, argv, log_path, ROOT)  # the imports paid once per worker, not per test
    else:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    try:
        wait_until_up(answers, what, proc)
    except ServerExited:
        text = log_path.read_bytes()[since:].decode(errors="replace")
        taken = [line.strip() for line in text.splitlines() if "address already in use" in line]
        if taken:
            raise PortTaken(f"{what} could not bind: {taken[0]}") from None
        raise RuntimeError(f"{what} exited: {text[-2000:]}") from None
    return proc


def stop_process(proc: subprocess.Popen[bytes] | forked.Forked | None, timeout_s: float = 15) -> None:
    """SIGTERM (the emulators kill their replicas on the way out), SIGKILL to the group after timeout_s."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_empty(status: Callable[[], dict[str, Any]], kind: str, timeout: float) -> dict[str, Any]:
    """Poll an emulator's status until it lists no `kind` (groups, models) and no process; the last status."""
    deadline = time.monotonic() + timeout
    while True:
        last = status()
        if (not last[kind] and not last["processes"]) or time.monotonic() > deadline:
            return last
        time.sleep(0.2)


@contextmanager
def running(emu: Any, tries: int = 3) -> Iterator[Any]:
    """Start an emulator for a test; stop it after, and fail if any of its replica processes outlived it. A port
    free_port() gave may be taken by another worker's server before the emulator binds it: then new ports."""
    for attempt in range(tries):
        try:
            emu.start()
            break
        except PortTaken:
            if attempt == tries - 1:
                raise
            for f in dataclasses.fields(emu):
                if f.name == "port" or f.name.endswith("_port"):
                    setattr(emu, f.name, free_port())
    pids: list[int] = []
    try:
        yield emu
        if emu.proc and emu.proc.poll() is None:
            pids = [p["pid"] for p in emu.status()["processes"]]
    finally:
        emu.stop()
    assert replica_pids_alive(pids) == [], "the emulator left replica processes running"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    """A fresh emulator with fast timings; stopped after the test, replicas included."""
    with running(Emulator.on_free_ports(tmp_path / "emulator")) as emu:
        yield emu
