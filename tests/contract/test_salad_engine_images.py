"""A container group's image and `command` decide which simulated engine the SaladCloud emulator runs
(emulator/images.py): vLLM's image with vLLM's arguments becomes the simulated vLLM, SGLang's image with
`python3 -m sglang.launch_server ...` the simulated SGLang, each on the replica's port, reached by the gateway.

The container's `command` replaces the image's ENTRYPOINT and CMD (contracts/salad/salad-cloud.yaml,
CreateContainer.command); vLLM's image's ENTRYPOINT is `vllm serve` (vllm-project/vllm docker/Dockerfile @
dead20baf70df70580ecb093f82b0b7b8676e4f5); SGLang's image has none (sgl-project/sglang docker/Dockerfile @
004740a9cb3dbf6153455fb38b447021e3e07236), its docs start `python3 -m sglang.launch_server --model-path ...`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.contract.salad_groups import all_ready, group_body, wait_for
from tests.emulator_fixture import Emulator

MODEL = "mistralai/Mistral-7B-Instruct-v0.1"
KEY = "engine-key"
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}


def engine_group(name: str, image: str, command: list[str], port: int) -> dict[str, Any]:
    body = group_body(name, replicas=1)
    body["container"] = {**body["container"], "image": image, "command": command, "environment_variables": {}}
    body["networking"] = {**body["networking"], "port": port}
    body["readiness_probe"]["http"]["port"] = port
    return body


@pytest.mark.parametrize(("image", "command", "port"), [
    ("vllm/vllm-openai:v0.11.0",
     ["vllm", "serve", MODEL, "--max-model-len", "4096", "--api-key", KEY, "--host", "0.0.0.0", "--port", "8000"],
     8000),
    ("lmsysorg/sglang:v0.5.5",
     ["python3", "-m", "sglang.launch_server", "--model-path", MODEL, "--context-length", "4096", "--api-key", KEY,
      "--host", "0.0.0.0", "--port", "30000"],
     30000),
])
def test_the_engines_image_and_command_run_that_engine(emulator: Emulator, image: str, command: list[str],
                                                       port: int) -> None:
    # The simulated engines (python -m emulator.replica.vllm / .sglang) come with the `sims` branch (#26.5).
    pytest.importorskip("emulator.replica.vllm.__main__")
    pytest.importorskip("emulator.replica.sglang.__main__")
    api = emulator.api()
    r = api.post("/containers", json=engine_group("eng", image, command, port))
    assert r.status_code == 201, r.text
    dns = r.json()["networking"]["dns"]
    all_ready(api, 1, "eng")
    url = f"http://{emulator.gateway}/v1/chat/completions"
    r = httpx.post(url, json=CHAT, headers={"Host": dns, "Authorization": f"Bearer {KEY}"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["object"] == "chat.completion"
    # The engine's own --api-key, which the simulated TGI knows nothing of: the engine's sim answered.
    assert httpx.post(url, json=CHAT, headers={"Host": dns}, timeout=30).status_code == 401


def test_a_vllm_image_with_a_command_it_cannot_run_fails_to_start(emulator: Emulator) -> None:
    api = emulator.api()
    r = api.post("/containers", json=engine_group("bad", "vllm/vllm-openai:v0.11.0", ["bash", "-c", "true"], 8000))
    assert r.status_code == 201, r.text

    def failed() -> str | None:
        events = [e["event_name"] for e in api.get("/containers/bad/system-logs").json()["items"]]
        return next((e for e in events if e.startswith("Container failed to start")), None)

    event = wait_for(failed, "the container's start failure")
    assert "exec: 'bash'" in event
    assert emulator.status()["processes"] == []
