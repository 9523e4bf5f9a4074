"""The baseten-vllm stack (seed 001's model on vLLM, a `docker_server` truss) through the real engine against the
Baseten emulator, whose docker_server container runs the simulated vLLM for `python3 -m
vllm.entrypoints.openai.api_server ...` (emulator/images.py): up + smoke (chat streamed and not, vLLM's
/v1/completions through the sync URL, /predict as the chat route) + destroy leaving nothing (issue #26 item 3).

The routes reached through the model's sync URL are truss's nginx forwarding every other path to the server
(basetenlabs/truss truss/templates/docker_server/proxy.conf.jinja, commit
0bee989b9ec85ed9d29374ab4d7e2883e49de87e); the truss is truss-examples' vLLM truss (lora/vllm-lora/config.yaml,
commit 542601251e85a157b362528b3c7c357f38fda80e).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from tests.baseten_fixture import KEY, BasetenEmulator
from tests.emulator_fixture import GRANTED
from tests.engine.test_baseten_stacks import POLICIES, stack

MODEL = "mistralai/Mistral-7B-Instruct-v0.1"


def test_vllm_stack_up_smoke_destroy(tmp_path: Path, baseten: BasetenEmulator) -> None:
    p = stack(tmp_path, baseten, "baseten-vllm")
    try:
        up = p.run("up", "--yes", "--skip-preview", "--policy-pack", POLICIES)
        assert "smoke: 2 chat completions OK" in up.stdout, up.stdout
        assert "smoke: /v1/completions OK" in up.stdout and "smoke: predict OK" in up.stdout, up.stdout
        out = p.outputs()
        model_id = out["model_id"]
        assert out["endpoint"] == f"http://127.0.0.1:{baseten.inference_port}/environments/production/sync"
        [model] = baseten.status()["models"]
        [deployment] = model["deployments"]
        assert deployment["status"] == "ACTIVE" and len(baseten.status()["processes"]) == 1
        # The HF token reached the server as HF_TOKEN, read from the truss secret's file /secrets/hf_access_token
        # (docs.baseten.co/development/model/secrets): the truss must name the secret for Baseten to mount it.
        [process] = baseten.status()["processes"]
        assert process["env_sha256"]["HF_TOKEN"] == hashlib.sha256(GRANTED.encode()).hexdigest()[:16]
        host = {"Host": f"model-{model_id}.api.baseten.co"}
        sync = f"{baseten.inference}/environments/production/sync"
        # vLLM answers there itself: its /v1/models lists the served model name (the model id).
        models = httpx.get(f"{sync}/v1/models", headers={**host, "Authorization": f"Api-Key {KEY}"}, timeout=30)
        assert models.status_code == 200 and [m["id"] for m in models.json()["data"]] == [MODEL], models.text
        # Baseten's Api-Key gates it; neither the key nor the HF token is in the state.
        assert httpx.post(f"{sync}/v1/chat/completions", headers=host, json={}).status_code == 401
        exported = p.export()
        assert KEY not in exported and GRANTED not in exported
    finally:
        p.run("destroy", "--yes", "--skip-preview", check=False)
    assert baseten.wait_empty() == {"models": [], "secrets": [], "processes": []}


def test_the_same_stack_on_sglang_up_smoke_destroy(tmp_path: Path, baseten: BasetenEmulator) -> None:
    """tgi-fleet:engine: sglang: `python3 -m sglang.launch_server ...` (truss-examples
    custom-server/llama3-8b-instruct-sglang/config.yaml, commit 211f0d26e558fe3c7c2ea55d9ab4d7d680a1924d), the
    simulated SGLang in the emulator, its /generate checked through the sync URL."""
    p = stack(tmp_path, baseten, "baseten-vllm")
    p.config("tgi-fleet:engine", "sglang")
    try:
        up = p.run("up", "--yes", "--skip-preview", "--policy-pack", POLICIES)
        assert "smoke: 2 chat completions OK" in up.stdout, up.stdout
        assert "smoke: /generate OK" in up.stdout and "smoke: predict OK" in up.stdout, up.stdout
    finally:
        p.run("destroy", "--yes", "--skip-preview", check=False)
    assert baseten.wait_empty() == {"models": [], "secrets": [], "processes": []}
