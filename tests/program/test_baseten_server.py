"""Baseten with an engine's own server image (the glue the engine seam calls), under Pulumi mocks: the model
resource gets a docker_server truss, the HF token only as a secret input, and the smoke stage a chat predict."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.plan import build_plan
from components.providers import registry
from components.providers.base import BuildContext
from components.providers.baseten.component import BasetenService, engine_server
from tests.program.harness import Recorder, is_secret, stack_config, unwrap

HF, KEY = "hf_baseten_server_token", "baseten-test-key"
BASETEN: dict[str, Any] = {"provider": "baseten", "name": "vllm-b",
                           "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"}, "gpu": {"classes": ["A10G"]}}
VLLM = ("vllm", "serve", "mistralai/Mistral-7B-Instruct-v0.3", "--served-model-name", "mistral", "--port", "8000")


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="test", preview=False)
    return rec


@pulumi.runtime.test
def test_an_engine_server_becomes_a_docker_server_model_with_a_chat_probe(recorder: Recorder) -> Any:
    cfg = stack_config(BASETEN, {"baseten_api_key": KEY, "hf_token": HF})
    provider = registry.provider(cfg.provider)
    secrets = provider.secrets(cfg)
    plan = build_plan(cfg, provider.catalog(cfg.settings), hf_token=secrets.hf_token)
    ctx = BuildContext(provider=provider, cfg=cfg, settings=cfg.settings, plan=plan, secrets=secrets)
    server = engine_server(image="vllm/vllm-openai:v0.12.0", command=VLLM, env={}, port=8000, health_path="/health")
    service = BasetenService(cfg.name, ctx, server=server)
    out = service.outputs

    def check(probes: list[dict[str, Any]]) -> None:
        contract = recorder.of_type("tgi-fleet:index:TgiService")[0]
        assert contract["secret_env"] == ["HF_TOKEN"] and "HF_TOKEN" not in contract["plain_env"]
        (model,) = recorder.of_type("pulumi-python:dynamic:Resource")
        truss = model["truss"]
        assert truss["base_image"] == {"image": "vllm/vllm-openai:v0.12.0"}
        assert truss["docker_server"]["predict_endpoint"] == "/v1/chat/completions"
        assert "$(cat /secrets/hf_access_token)" in truss["docker_server"]["start_command"]
        assert HF not in json.dumps(truss) and is_secret(model["hf_token"]) and unwrap(model["hf_token"]) == HF
        (predict,) = probes
        assert predict["name"] == "predict" and predict["body"]["model"] == "mistral"
        assert predict["body"]["messages"][0]["role"] == "user"
        # truss's nginx forwards every other path under the sync URL to the server (proxy.conf.jinja, truss commit
        # 0bee989b9ec85ed9d29374ab4d7e2883e49de87e): the engine's own route is checked there too.
        assert out.tgi_routes is True

    return pulumi.Output.from_input(out.probes).apply(check)
