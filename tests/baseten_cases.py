"""The two Baseten seed stacks (stacks/Pulumi.baseten-*.yaml) as the program sees them: config, settings, plan.

seed 001: Mistral 7B Instruct in float16 on one A10G (TGI). seed 004: Mixtral 8x22B Instruct, int8 weights,
TensorRT-LLM on four 40 GB A100s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from components.config import FleetConfig
from components.providers.baseten.settings import BasetenSettings
from components.sizing.recommend import Plan
from components.stack import parse_config
from tests.plans import plan_for

ROOT = Path(__file__).resolve().parents[1]


def stack_config(stack: str) -> dict[str, Any]:
    """The stack file's config map (secure values stay encrypted)."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return data


def raw_config(stack: str, **override: Any) -> tuple[dict[str, str], frozenset[str]]:
    """As Pulumi hands it to the program: JSON text for objects, secrets decrypted (here: placeholders)."""
    data = {**stack_config(stack), **{f"tgi-fleet:{k}": v for k, v in override.items()}}
    raw, secret = {}, set()
    for key, value in data.items():
        if isinstance(value, dict) and "secure" in value:
            raw[key], _ = f"{key.partition(':')[2]}-value", secret.add(key)
        else:
            raw[key] = value if isinstance(value, str) else json.dumps(value)
    return raw, frozenset(secret)


def load(stack: str, **override: Any) -> tuple[FleetConfig, BasetenSettings, Plan]:
    """(config, Baseten settings, plan) of a seed stack, with top-level keys overridden."""
    cfg = parse_config(*raw_config(stack, **override))
    assert isinstance(cfg.settings, BasetenSettings)
    return cfg, cfg.settings, plan_for(cfg)
