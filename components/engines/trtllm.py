"""Baseten's TensorRT-LLM engine builder (truss `trt_llm`): Baseten compiles the engine and serves it itself.

Only the Baseten provider runs it (components/providers/baseten/truss.py writes the truss); no container of ours
is launched, so `launch` refuses. Its OpenAI route is Baseten's own (/v1 under the model's host).
"""

from __future__ import annotations

from components.config import FleetConfig
from components.engines.base import Engine, EngineError, Launch
from components.sizing.recommend import Plan


class TrtLlm(Engine):
    """Baseten's engine builder: no image or command of ours."""

    name = "trt-llm"
    # Not pulled by anyone: Baseten builds the engine into an image it manages. The name stands in the policy
    # contract (its pinned-image rule sees a fixed tag), as `baseten.engine: trt-llm` did with TGI's image.
    default_image = "baseten/trt-llm-engine-builder:managed"
    default_port = 8080
    chat_template = "the checkpoint's tokenizer chat_template, applied by Baseten's OpenAI route"

    def launch(self, cfg: FleetConfig, plan: Plan, *, host: str, api_key: bool = False) -> Launch:
        raise EngineError("tgi-fleet:engine = 'trt-llm': Baseten's TensorRT-LLM engine builder runs on Baseten "
                          "only. Fix: set tgi-fleet:provider: baseten, or tgi-fleet:engine to tgi, vllm or sglang.")


ENGINE = TrtLlm()
