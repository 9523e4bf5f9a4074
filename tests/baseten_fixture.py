"""Starts the local Baseten emulator (API, inference hosts, S3) on free loopback ports for a test, and stops it
(and its replicas) after."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.procs import free_port, local_url
from tests import forked
from tests.emulator_fixture import launch, running, stop_process, wait_empty

KEY = "local-baseten-key"
DOMAIN = "api.baseten.co"
FAST = {"--build-s": "0.3", "--deploy-s": "0.2", "--deactivate-s": "0.2", "--restart-backoff-s": "0.2",
        "--load-s": "0.4", "--token-ms": "2"}


@dataclass
class BasetenEmulator:
    """A running emulator process and helpers to look inside it."""

    port: int
    inference_port: int
    s3_port: int
    state_dir: Path
    args: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | forked.Forked | None = None

    @classmethod
    def on_free_ports(cls, state_dir: Path, args: dict[str, str] | None = None) -> BasetenEmulator:
        state_dir.mkdir(parents=True, exist_ok=True)
        return cls(free_port(), free_port(), free_port(), state_dir, args or {})

    @property
    def base_url(self) -> str:
        return local_url(self.port)

    @property
    def inference(self) -> str:
        return local_url(self.inference_port)

    @property
    def s3(self) -> str:
        return local_url(self.s3_port)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Api-Key {KEY}"}

    def host_headers(self, model_id: str) -> dict[str, str]:
        """The auth header and the Host of a model's inference host."""
        return {**self.headers, "Host": f"model-{model_id}.{DOMAIN}"}

    def start(self) -> None:
        argv = [sys.executable, "-m", "emulator.baseten", "serve", "--port", str(self.port), "--inference-port",
                str(self.inference_port), "--s3-port", str(self.s3_port), "--state-dir", str(self.state_dir),
                "--api-key", KEY]
        self.proc = launch(argv, {**FAST, **self.args}, self.state_dir / "baseten.log", "the Baseten emulator",
                           lambda: self.status() is not None)

    def log(self) -> str:
        return (self.state_dir / "baseten.log").read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.proc)

    def status(self) -> dict[str, Any]:
        r = httpx.get(f"{self.base_url}/_emulator/status", headers=self.headers, timeout=5)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def faults(self, *faults: dict[str, Any]) -> None:
        httpx.post(f"{self.base_url}/_emulator/faults", json=list(faults), headers=self.headers,
                   timeout=5).raise_for_status()

    def settings(self, **override: Any) -> dict[str, Any]:
        """A tgi-fleet:baseten section pointing at this emulator (fast polls)."""
        return {"base_url": self.base_url, "inference_scheme": "http",
                "inference_address": f"127.0.0.1:{self.inference_port}", "s3_endpoint_url": self.s3,
                "poll_s": 0.2, "deploy_timeout_s": 60, **override}

    def wait_empty(self, timeout: float = 20) -> dict[str, Any]:
        """Wait until no model and no replica process is left; returns the last status."""
        return wait_empty(self.status, "models", timeout)


@pytest.fixture
def baseten(tmp_path: Path) -> Iterator[BasetenEmulator]:
    """A fresh Baseten emulator with fast timings; stopped after the test, replicas included."""
    with running(BasetenEmulator.on_free_ports(tmp_path / "baseten")) as emu:
        yield emu
