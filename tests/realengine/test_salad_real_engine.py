"""The SaladCloud emulator with `--real-engine vllm=...`: a container group of vLLM's image becomes a REAL vLLM
replica, which the container gateway reaches.

The container's `command` replaces the image's ENTRYPOINT and CMD (SaladCloud's API spec,
contracts/salad/salad-cloud.yaml, CreateContainer.command), so the group passes vLLM's arguments the way a
SaladCloud user does: `vllm serve MODEL ...`, vLLM's image's own entrypoint (vllm-project/vllm docker/Dockerfile @
dead20baf70df70580ecb093f82b0b7b8676e4f5, target vllm-openai). The replica's port and bind address are the
emulator's (a free loopback port), whatever `--host`/`--port` the command says.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract.salad_groups import RTX_4090, all_ready, wait_for
from tests.emulator_fixture import Emulator, running
from tests.realengine.vllm_server import MODEL, START_TIMEOUT_S, group_members, members_after, vllm_python

KEY = secrets.token_urlsafe(16)


def vllm_group(name: str) -> dict[str, object]:
    """A one-replica group of vLLM's image serving the tiny model, with vLLM's own API key."""
    command = ["vllm", "serve", MODEL, "--max-model-len", "512", "--dtype", "bfloat16", "--enforce-eager",
               "--api-key", KEY, "--host", "0.0.0.0", "--port", "8000"]
    probe = {"http": {"path": "/health", "port": 8000, "scheme": "http", "headers": []},
             "initial_delay_seconds": 0, "period_seconds": 2, "timeout_seconds": 2, "success_threshold": 1,
             "failure_threshold": 3}
    return {"name": name, "autostart_policy": True, "restart_policy": "always", "replicas": 1,
            "container": {"image": "vllm/vllm-openai:v0.11.0", "command": command,
                          "resources": {"cpu": 2, "memory": 8192, "gpu_classes": [RTX_4090]}},
            "networking": {"protocol": "http", "port": 8000, "auth": False},
            "readiness_probe": probe}


@pytest.fixture
def real_engine_emulator(tmp_path: Path, tiny_model: Path) -> Iterator[Emulator]:
    args = {"--real-engine": f"vllm={vllm_python()}", "--model-cache": str(tiny_model)}
    with running(Emulator.on_free_ports(tmp_path / "emulator", args)) as emu:
        yield emu


def test_a_vllm_group_runs_a_real_vllm_the_gateway_reaches(real_engine_emulator: Emulator) -> None:
    emu = real_engine_emulator
    api = emu.api()
    r = api.post("/containers", json=vllm_group("real"))
    assert r.status_code == 201, r.text
    dns = r.json()["networking"]["dns"]
    wait_for(lambda: all_ready(api, 1, "real") if _ready(api) else None, "the real vLLM replica",
             timeout=START_TIMEOUT_S)
    [process] = emu.status()["processes"]
    assert any(p != process["pid"] for p in group_members(process["pid"])), "vLLM runs its engine core beside it"

    chat = {"model": MODEL, "messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 4}
    r = httpx.post(f"http://{emu.gateway}/v1/chat/completions", json=chat, timeout=60,
                   headers={"Host": dns, "Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == MODEL
    assert body["system_fingerprint"].startswith("vllm-")  # the real engine answered, not a simulation
    assert body["usage"]["completion_tokens"] <= 4
    # vLLM's own key check, through the gateway.
    r = httpx.post(f"http://{emu.gateway}/v1/chat/completions", json=chat, headers={"Host": dns}, timeout=30)
    assert r.status_code == 401

    # Deleting the group stops the replica and vLLM's engine core with it.
    assert api.delete("/containers/real").status_code == 202
    emu.wait_empty(timeout=30)
    assert members_after(process["pid"]) == []


def _ready(api: httpx.Client) -> bool:
    r = api.get("/containers/real/instances")
    return r.status_code == 200 and any(i["ready"] for i in r.json()["instances"])
