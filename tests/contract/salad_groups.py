"""Container groups for the emulator's contract tests: a small TGI group body, and waiting on its instances."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from tests.emulator_fixture import Emulator

T = TypeVar("T")
RTX_4090 = "ed563892-aacd-40f5-80b7-90c9be6c759b"
RTX_3090 = "a5db5c50-cbcb-4596-ae80-6a0c8090d80f"
PATCH = {"Content-Type": "application/merge-patch+json"}


def group_body(name: str = "strategy", replicas: int = 2, **over: Any) -> dict[str, Any]:
    """A small TGI group: tiny model, fast probes, one GPU class unless told otherwise."""
    body: dict[str, Any] = {
        "name": name, "autostart_policy": True, "restart_policy": "always", "replicas": replicas,
        "container": {"image": "ghcr.io/huggingface/text-generation-inference:3.3.0",
                      "environment_variables": {"MODEL_ID": "bigscience/bloom-560m"},
                      "resources": {"cpu": 4, "memory": 8192, "gpu_classes": [RTX_4090]}},
        "networking": {"protocol": "http", "port": 3000, "auth": False},
        "readiness_probe": {"http": {"path": "/health", "port": 3000, "scheme": "http",
                                     "headers": [{"name": "X-Probe", "value": "1"}]},
                            "initial_delay_seconds": 0, "period_seconds": 1, "timeout_seconds": 1,
                            "success_threshold": 1, "failure_threshold": 3},
    }
    body.update(over)
    return body


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    """Poll `check` until it returns something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(0.25)  # under the API's 240 requests a minute
    raise AssertionError(f"timed out waiting for {what}")


def instances(api: httpx.Client, name: str = "strategy") -> list[dict[str, Any]]:
    r = api.get(f"/containers/{name}/instances")
    r.raise_for_status()
    return list(r.json()["instances"])


def all_ready(api: httpx.Client, n: int, name: str = "strategy") -> list[dict[str, Any]]:
    """The group's instances once exactly n are running and ready."""
    def check() -> list[dict[str, Any]] | None:
        found = instances(api, name)
        ok = len(found) == n and all(i["state"] == "running" and i["ready"] for i in found)
        return found if ok else None

    return wait_for(check, f"{n} ready instances")


def pids(emu: Emulator) -> dict[str, int]:
    """Instance id -> replica pid."""
    return {p["instance"]: p["pid"] for p in emu.status()["processes"]}


def patch(api: httpx.Client, body: dict[str, Any], name: str = "strategy") -> dict[str, Any]:
    r = api.patch(f"/containers/{name}", json=body, headers=PATCH)
    assert r.status_code == 200, r.text
    return dict(r.json())


def deployed(emu: Emulator, replicas: int = 2, **over: Any) -> tuple[httpx.Client, list[dict[str, Any]]]:
    api = emu.api()
    r = api.post("/containers", json=group_body(replicas=replicas, **over))
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    return api, all_ready(api, replicas)
