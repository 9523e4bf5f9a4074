"""Hugging Face Text Generation Inference: the launcher reads its settings from the environment.

Sources (huggingface/text-generation-inference, launcher/src/main.rs, v3.3.x): each launcher flag has an env
name (MODEL_ID, PORT, HOSTNAME, MAX_INPUT_TOKENS, ...); the router's `--api-key` reads API_KEY; `/health` answers
200 once the model is loaded; `/metrics` serves Prometheus text; the chat template is the tokenizer's own
(tokenizer_config.json `chat_template`). A shard that cannot start ends the launcher with `Error:
ShardCannotStart` (or `WebserverFailed`) after the shard's own error.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from components.config import FleetConfig
from components.engines.base import Engine, ExtraRoute, Launch
from components.sizing.recommend import Plan


def launcher_env(cfg: FleetConfig, plan: Plan, hostname: str = "::") -> dict[str, str]:
    """Non-secret TGI launcher env (text-generation-launcher reads these names).

    hostname: "::" as SaladCloud's recipe wants (its gateway reaches containers over IPv6); "0.0.0.0" where the
    platform owns HOSTNAME (Kubernetes) or IPv6 may be off (a Docker host).
    """
    env = {
        "MODEL_ID": cfg.model.id,
        "PORT": str(cfg.gateway.port),
        "HOSTNAME": hostname,
        "MAX_INPUT_TOKENS": str(plan.max_input_tokens),
        "MAX_TOTAL_TOKENS": str(plan.max_total_tokens),
        "MAX_BATCH_PREFILL_TOKENS": str(plan.max_batch_prefill_tokens),
        "NUM_SHARD": str(plan.num_shard),
        "MAX_CONCURRENT_REQUESTS": str(cfg.serving.max_concurrent_requests),
    }
    if cfg.model.revision:
        env["REVISION"] = cfg.model.revision
    if plan.quantize != "none":
        env["QUANTIZE"] = plan.quantize
    elif cfg.model.dtype != "float16":
        env["DTYPE"] = cfg.model.dtype  # TGI refuses --dtype together with --quantize
    if cfg.model.trust_remote_code:
        env["TRUST_REMOTE_CODE"] = "true"
    return {**env, **cfg.extra_env}


ACTIVATE_VENV = "if [ -f /usr/src/.venv/bin/activate ]; then . /usr/src/.venv/bin/activate; fi"


class Tgi(Engine):
    """TGI: the image's entrypoint (text-generation-launcher) configured by env; every quantize value is TGI's."""

    name = "tgi"
    default_image = "ghcr.io/huggingface/text-generation-inference:3.3.0"
    default_port = 80  # the image's ENV PORT=80; tgi-fleet sets PORT from gateway.port
    api_key_env = "API_KEY"  # the router's --api-key (env API_KEY)
    extra_route = ExtraRoute(name="generate", path="/generate")
    chat_template = "the tokenizer's own chat_template (tokenizer_config.json)"
    failure_lines = (r"Error: (ShardCannotStart|WebserverFailed|ShardFailed)", r"CUDA out of memory")
    python = "python"  # the TGI image has no curl or wget; its Python answers the Docker health check
    tgi_api = True

    def request_model(self, model_id: str) -> str:
        return "tgi"  # TGI serves one model and ignores the name (its docs' examples send "tgi")

    def chat_models(self) -> tuple[type[BaseModel], type[BaseModel]]:
        """TGI's own models, generated from its OpenAPI spec (contracts/tgi)."""
        from components.tgi_api.models import ChatCompletion, ChatCompletionChunk

        return ChatCompletion, ChatCompletionChunk

    def extra_request(self, model_id: str, prompt: str, max_tokens: int, sampling: dict[str, Any]) -> dict[str, Any]:
        """TGI's /generate: inputs and parameters, with details (the generated token count)."""
        return {"inputs": prompt, "parameters": {"max_new_tokens": max_tokens, "details": True, **sampling}}

    def extra_answer(self, payload: Any) -> tuple[str, int]:
        """TGI's GenerateResponse (contracts/tgi): generated_text, details.generated_tokens."""
        from components.tgi_api.models import GenerateResponse

        answer = GenerateResponse.model_validate(payload)
        return answer.generated_text, answer.details.generated_tokens if answer.details else 1

    def launch(self, cfg: FleetConfig, plan: Plan, *, host: str, api_key: bool = False) -> Launch:
        # The router reads API_KEY from the env itself: nothing to add for auth.
        return Launch(env=launcher_env(cfg, plan, hostname=host))

    def shell_commands(self, launch: Launch) -> list[str]:
        """The launcher started from a shell: TGI 3's uv venv (appended to PATH by its Dockerfile) comes after
        the system Python there, so it is activated first, as dstack's own TGI example does "as required by TGI's
        latest image" (dstackai/dstack examples/inference/tgi/.dstack.yml); older TGI images have no such venv."""
        return [ACTIVATE_VENV, f"text-generation-launcher --port {launch.env['PORT']}"]


ENGINE = Tgi()
