"""SGLang's server (`python3 -m sglang.launch_server`), configured by command-line arguments.

Sources (sgl-project/sglang):
- python/sglang/srt/server_args.py (commit 001067ff): the flags derive from ServerArgs' field names
  (`tp_size` -> `--tp-size`): `--model-path`, `--served-model-name`, `--host` (default 127.0.0.1), `--port`
  (default 30000), `--context-length`, `--chunked-prefill-size`, `--max-running-requests`, `--tp-size`,
  `--quantization` (QUANTIZATION_CHOICES: awq, fp8, gptq, ...), `--dtype`, `--revision`, `--trust-remote-code`,
  `--enable-metrics` (/metrics), `--chat-template`; `--api-key` ("Set API key of the server. It is also used
  in the OpenAI API compatible server.") has no environment variable: the key is expanded from the container's
  API_KEY at start, never written in the spec.
- docker/k8s-sglang-service.yaml: the image `lmsysorg/sglang:<tag>` with `command: ["python3", "-m",
  "sglang.launch_server"]` and `--host 0.0.0.0 --port 30000`, probed on `/health`.
- dstackai/dstack examples/inference/sglang/README.md: the same command as a dstack service with `model:`.
- The pinned tag: `lmsysorg/sglang:v0.5.20`, an image tag in public use (pulled by digest in published reports);
  the sizing's rule and support table (components/sizing/engines.py, catalog/engine_support.yaml) are read from
  SGLang 0.5.23 on PyPI; the flags used here are long-standing ones of both.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from components.config import FleetConfig
from components.engines.base import Engine, ExtraRoute, Launch
from components.sizing.recommend import Plan

QUANTIZATION = {"gptq": "gptq", "awq": "awq", "fp8": "fp8"}


class MetaInfo(BaseModel):
    """The part of /generate's meta_info the smoke stage reads."""

    model_config = ConfigDict(extra="allow")
    completion_tokens: int = Field(ge=0)


class GenerateAnswer(BaseModel):
    """SGLang's native /generate answer for one prompt."""

    model_config = ConfigDict(extra="allow")
    text: str
    meta_info: MetaInfo


class Sglang(Engine):
    """SGLang: its launch_server with arguments from the plan; the API key expanded from API_KEY."""

    name = "sglang"
    default_image = "lmsysorg/sglang:v0.5.20"
    default_port = 30000
    api_key_env = "API_KEY"
    openai_server = True
    model_flag = "--model-path"
    limit_flags = ("--context-length", "--chunked-prefill-size", "--max-running-requests", "--tp-size")
    extra_flags = ("--enable-metrics",)
    extra_route = ExtraRoute(name="generate", path="/generate")
    chat_template = "the tokenizer's own chat_template (SGLang's --chat-template overrides it)"
    failure_lines = (r"Not enough memory", r"RuntimeError: ", r"CUDA out of memory")
    quantizations = QUANTIZATION
    program = ("python3", "-m", "sglang.launch_server")

    def extra_request(self, model_id: str, prompt: str, max_tokens: int, sampling: dict[str, Any]) -> dict[str, Any]:
        """SGLang's native /generate: text and sampling_params (docs.sglang.ai, "Sampling Parameters"; the
        answer carries text and meta_info.completion_tokens)."""
        params = {"max_new_tokens": max_tokens, **{k: v for k, v in sampling.items() if k != "stop"}}
        if sampling.get("stop"):
            params["stop"] = sampling["stop"]
        return {"text": prompt, "sampling_params": params}

    def extra_answer(self, payload: Any) -> tuple[str, int]:
        """SGLang's /generate answer: {"text": ..., "meta_info": {"completion_tokens": n, ...}}."""
        answer = GenerateAnswer.model_validate(payload)
        return answer.text, answer.meta_info.completion_tokens

    def launch(self, cfg: FleetConfig, plan: Plan, *, host: str, api_key: bool = False) -> Launch:
        args = self.server_args(cfg, plan, host=host)
        secret = (("--api-key", self.api_key_env),) if api_key else ()
        return Launch(program=self.program, args=tuple(args), env=dict(cfg.extra_env), secret_args=secret)


ENGINE = Sglang()
