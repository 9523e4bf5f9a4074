"""The Baseten emulator runs a docker_server truss as truss's image does, and serves it through Baseten's routes.

What Baseten documents (docs.baseten.co/development/model/custom-server, "Endpoint mapping"):
/environments/production/predict -> the server's predict_endpoint, /environments/production/sync/{route} ->
/{route} on the server unchanged; every request carries `Authorization: Api-Key <key>`
(docs.baseten.co/inference/calling-your-model). Readiness is the server's readiness_endpoint (truss's
proxy.conf.jinja, basetenlabs/truss commit 0bee989b9ec85ed9d29374ab4d7e2883e49de87e); secrets are files
/secrets/<name> a start command reads (docs.baseten.co/development/model/secrets).
The server here is TGI's launcher in TGI's image (the simulated TGI stands in for it): a docker_server truss
like the vLLM and SGLang ones, built by tgi-fleet's builder, with a command this emulator runs today.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import httpx
import pytest
from baseten.client.managementapi import PromoteRequest

from components.providers.baseten.component import engine_server
from components.providers.baseten.truss import truss_config
from tests.baseten_cases import load
from tests.baseten_fixture import BasetenEmulator
from tests.contract.test_baseten_emulator import push, sdk, statuses_until

CHAT = {"model": "tgi", "messages": [{"role": "user", "content": "What is Deep Learning?"}], "max_tokens": 8}


def server_truss(port: int = 8000, health: str = "/health") -> dict[str, Any]:
    cfg, settings, plan = load("baseten-mistral")
    command = ("text-generation-launcher", "--model-id", cfg.model.id, "--max-input-tokens",
               str(plan.max_input_tokens), "--max-total-tokens", str(plan.max_total_tokens), "--hostname", "0.0.0.0",
               "--port", str(port))
    server = engine_server(image=cfg.image, command=command, env={}, port=port, health_path=health)
    return truss_config(cfg, plan, settings, with_token=True, server=server)


def test_a_docker_server_truss_answers_chat_through_the_sync_route(baseten: BasetenEmulator) -> None:
    model_id, dep_id = push(baseten, "server", server_truss())
    assert statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE") == [
        "BUILDING", "DEPLOYING", "LOADING_MODEL", "ACTIVE"]
    sdk(baseten).api.post_models_deployments_promote(model_id=model_id, deployment_id=dep_id,
                                                     request=PromoteRequest())
    host = baseten.host_headers(model_id)
    sync = f"{baseten.inference}/environments/production/sync"
    chat = httpx.post(f"{sync}/v1/chat/completions", headers=host, json=CHAT, timeout=10)
    assert chat.status_code == 200, chat.text
    assert chat.json()["object"] == "chat.completion" and chat.json()["choices"][0]["message"]["content"]
    streamed = httpx.post(f"{sync}/v1/chat/completions", headers=host, json={**CHAT, "stream": True}, timeout=10)
    assert streamed.status_code == 200 and streamed.text.rstrip().endswith("data: [DONE]")
    # Baseten's predict is the server's predict_endpoint: the chat route.
    predict = httpx.post(f"{baseten.inference}/environments/production/predict", headers=host, json=CHAT,
                         timeout=10)
    assert predict.status_code == 200 and predict.json()["object"] == "chat.completion"
    # No Api-Key, no answer.
    anonymous = httpx.post(f"{sync}/v1/chat/completions", headers={"Host": host["Host"]}, json=CHAT, timeout=10)
    assert anonymous.status_code == 401
    # The HF token reached the server from the secret's file, as the start command reads it.
    (replica,) = baseten.status()["processes"]
    assert replica["env_sha256"]["HF_TOKEN"] == hashlib.sha256(b"hf_granted").hexdigest()[:16]


def test_readiness_is_the_servers_readiness_endpoint(baseten: BasetenEmulator) -> None:
    # TGI answers /health; a readiness_endpoint it does not serve keeps the deployment from ever taking traffic.
    model_id, dep_id = push(baseten, "never-ready", server_truss(health="/ready"))
    statuses_until(baseten, model_id, dep_id, lambda s: s == "LOADING_MODEL")
    time.sleep(3.0)  # the simulated TGI loads in 0.4 s here
    deployment = sdk(baseten).api.get_models_deployments_deployment_id(model_id=model_id, deployment_id=dep_id)
    assert deployment.status == "LOADING_MODEL" and deployment.active_replica_count == 0


def test_a_server_binding_truss_proxys_port_crash_loops_to_deploy_failed(baseten: BasetenEmulator) -> None:
    config = server_truss(port=8000)
    server = config["docker_server"]
    # server_port stays 8000 (8080 there is refused at push); the server itself binds truss's proxy's port.
    server["start_command"] = server["start_command"].replace("--port 8000", "--port 8080")
    model_id, dep_id = push(baseten, "on-8080", config)
    statuses_until(baseten, model_id, dep_id, lambda s: s == "DEPLOY_FAILED", timeout=30)
    logs = httpx.get(f"{baseten.base_url}/v1/models/{model_id}/deployments/{dep_id}/logs", headers=baseten.headers,
                     timeout=10).json()["logs"]
    assert any("[Errno 98]" in line["message"] for line in logs)


@pytest.mark.parametrize(("image", "reason"), [
    (None, "cannot run 'my-own-server' here: exec: 'my-own-server'"),  # TGI's image has no such program
    ("registry.example.com/own-server:1", "no stand-in for 'my-own-server'"),  # an image the emulator cannot model
])
def test_a_start_command_the_emulator_cannot_run_fails_the_build_with_the_reason(
        baseten: BasetenEmulator, image: str | None, reason: str) -> None:
    config = server_truss()
    config["docker_server"]["start_command"] = "my-own-server --port 8000"
    if image:
        config["base_image"]["image"] = image
    model_id, dep_id = push(baseten, "unknown", config)
    statuses_until(baseten, model_id, dep_id, lambda s: s == "BUILD_FAILED")
    logs = httpx.get(f"{baseten.base_url}/v1/models/{model_id}/deployments/{dep_id}/logs", headers=baseten.headers,
                     timeout=10).json()["logs"]
    assert any(reason in line["message"] for line in logs), [line["message"] for line in logs]
