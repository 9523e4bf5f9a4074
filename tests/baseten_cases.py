"""The two Baseten seeds as stack config (phase 1: until the provider seam reads stacks/Pulumi.baseten-*.yaml).

seed 001: Mistral 7B Instruct in float16 on one A10G (TGI). seed 004: Mixtral 8x22B Instruct, int8 weights,
TensorRT-LLM on four A100s: the 40 GB part, where only int8 weights fit four (the sizing tests show it).
"""

from __future__ import annotations

import json
from typing import Any

from components.config import FleetConfig, parse_config
from components.plan import build_plan
from components.providers.baseten.settings import BasetenSettings
from components.sizing.recommend import Plan

STACKS: dict[str, dict[str, Any]] = {
    "baseten-mistral": {
        "tgi-fleet:provider": "baseten",
        "tgi-fleet:environment": "dev",
        "tgi-fleet:name": "tgi-mistral-baseten",
        "tgi-fleet:model": {"id": "mistralai/Mistral-7B-Instruct-v0.1", "dtype": "float16"},
        "tgi-fleet:gpu": {"classes": ["A10G"]},
        "tgi-fleet:replicas": 1,
        "tgi-fleet:resources": {"cpu": 4, "memory_mb": 16384},
        "tgi-fleet:gateway": {"enabled": True, "auth": True},
        "tgi-fleet:baseten": {"engine": "tgi", "autoscaling": {"max_replica": 2, "concurrency_target": 32}},
    },
    "baseten-mixtral": {
        "tgi-fleet:provider": "baseten",
        "tgi-fleet:environment": "prod",
        "tgi-fleet:name": "tgi-mixtral-baseten",
        "tgi-fleet:model": {"id": "mistralai/Mixtral-8x22B-Instruct-v0.1", "quantize": "eetq"},
        "tgi-fleet:gpu": {"classes": ["A100_40GB:4"]},
        "tgi-fleet:replicas": 5,
        "tgi-fleet:resources": {"cpu": 32, "memory_mb": 262144},
        "tgi-fleet:gateway": {"enabled": True, "auth": True},
        "tgi-fleet:baseten": {"engine": "trt-llm", "autoscaling": {"max_replica": 8, "concurrency_target": 16}},
    },
}
SECRETS = ("tgi-fleet:hf_token",)


def load(stack: str, **override: Any) -> tuple[FleetConfig, BasetenSettings, Plan]:
    """(config, Baseten settings, plan) of a seed stack, with top-level keys overridden."""
    data = {**STACKS[stack], **{f"tgi-fleet:{k}": v for k, v in override.items()}}
    settings = BasetenSettings.model_validate(data.pop("tgi-fleet:baseten", {}))
    raw = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    cfg = parse_config({**raw, "tgi-fleet:hf_token": "hf_test_token"}, frozenset(SECRETS))
    return cfg, settings, build_plan(cfg)
