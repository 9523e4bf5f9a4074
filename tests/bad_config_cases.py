"""Bad stack configs, each an override of the shipped `local` stack and the message it must fail with: run through
the program under mocks (tests/program/test_bad_config.py, every case) and through the real engine
(tests/engine/test_bad_config.py, one case per stage of the program that refuses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCAL: dict[str, Any] = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]
SALAD = LOCAL["tgi-fleet:salad"]
SECRET_KEYS = ("tgi-fleet:hf_token", "tgi-fleet:salad_api_key")  # the local stack's secrets
# Overrides of the shipped `local` stack (None removes a key); the message must contain `expected`.
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "replicas-0": ({"replicas": 0}, "tgi-fleet:replicas = 0: Input should be greater than or equal to 1"),
    "replicas-negative": ({"replicas": -1}, "tgi-fleet:replicas = -1:"),
    "replicas-text": ({"replicas": "abc"}, 'tgi-fleet:replicas = "abc": Input should be a valid integer'),
    "replicas-above-quota": ({"replicas": 10000}, "tgi-fleet:replicas = 10000: Input should be less than or equal"),
    "unknown-gpu-class": ({"gpu": {"classes": ["RTX 9090 (99 GB)"]}},
                          "tgi-fleet:gpu.classes[0] = 'RTX 9090 (99 GB)': unknown salad GPU class"),
    "min-vram-1000": ({"gpu": {"min_vram_gb": 1000}}, "tgi-fleet:gpu.min_vram_gb = 1000: no salad class"),
    "quantize-foo": ({"model": {"id": "mistralai/Mistral-7B-Instruct-v0.3", "quantize": "foo"}},
                     'tgi-fleet:model.quantize = "foo"'),
    "plain-salad-api-key": ({"salad_api_key": "plain-key-value"}, "tgi-fleet:salad_api_key is set in plain text"),
    "plain-hf-token": ({"hf_token": "hf_plaintokenvalue1234567890"}, "tgi-fleet:hf_token is set in plain text"),
    "auth-without-key": ({"provider": "docker", "salad": None, "salad_api_key": None, "gpu": {"name": "A10G"},
                          "replicas": 1, "smoke": {"enabled": False}},
                         "tgi-fleet:api_key is not set but gateway.auth is on"),
    "another-providers-section": ({"kubernetes": {"render_dir": "out"}},
                                  "tgi-fleet:kubernetes: settings of the kubernetes provider, but tgi-fleet:provider "
                                  "is 'local'"),
    "misspelt-key": ({"replicaz": 3}, "tgi-fleet:replicaz: unknown key. Fix: remove it (did you mean 'replicas'?)"),
    "smoke-max-tokens-0": ({"smoke": {"max_tokens": 0}}, "tgi-fleet:smoke.max_tokens = 0"),
    "bad-name": ({"name": "Bad_Name"}, 'tgi-fleet:name = "Bad_Name": must match'),
    "unknown-provider": ({"provider": "aws-magic"}, 'tgi-fleet:provider = "aws-magic"'),
    "bad-temperature": ({"smoke": {"temperature": 5}}, "tgi-fleet:smoke.temperature = 5"),
    "unknown-gpu-name": ({"gpu": {"name": "RTX 9999"}}, "tgi-fleet:gpu.name = 'RTX 9999'"),
    "unknown-model-offline": ({"model": {"id": "someone/not-shipped-model"}},
                              "tgi-fleet:model.id = 'someone/not-shipped-model': model 'someone/not-shipped-model' "
                              "is not shipped with tgi-fleet and the Hugging Face Hub is off (HF_HUB_OFFLINE is set)"),
    "total-below-input": ({"serving": {"max_input_tokens": 8000, "max_total_tokens": 4096}},
                          "tgi-fleet:serving.max_input_tokens (8000) must be < serving.max_total_tokens (4096)"),
    "untagged-image": ({"image": "ghcr.io/huggingface/text-generation-inference"},
                       "tgi-fleet:image = \"ghcr.io/huggingface/text-generation-inference\": the image is not pinned: "
                       "it has no tag"),
    "latest-image": ({"image": "ghcr.io/huggingface/text-generation-inference:latest"}, "its tag is latest"),
    "total-beyond-context": ({"serving": {"max_total_tokens": 1000000}},
                             "tgi-fleet:serving.max_total_tokens = 1000000: beyond the context of "
                             "mistralai/Mistral-7B-Instruct-v0.3 (32768 tokens)"),
    "min-ready-above-replicas": ({"replicas": 2}, "tgi-fleet:smoke.min_ready_replicas (3) is more than "
                                                  "tgi-fleet:replicas (2)"),
    "does-not-fit": ({"gpu": {"classes": ["RTX 3060 (12 GB)"]}},
                     "tgi-fleet:gpu: sizing verdict DOES NOT FIT: mistralai/Mistral-7B-Instruct-v0.3 float16 at "
                     "4096 tokens (num_shard 1) needs 15.46 GiB per GPU"),
    # Issue #27 item 9 (the unit tests in tests/unit/test_config.py and test_plan.py cover the rest).
    "num-shard-heads": ({"model": {"id": "Qwen/Qwen2.5-7B-Instruct"}, "serving": {"num_shard": 8}},
                        "tgi-fleet:serving.num_shard = 8: Qwen/Qwen2.5-7B-Instruct has 28 attention heads"),
    "extra-env-planned": ({"extra_env": {"MAX_TOTAL_TOKENS": "9999"}},
                          "tgi-fleet:extra_env.MAX_TOTAL_TOKENS overrides what tgi-fleet sets from "
                          "tgi-fleet:serving.max_total_tokens. Fix: remove extra_env.MAX_TOTAL_TOKENS"),
    "prod-without-auth": ({"environment": "prod", "gateway": {"enabled": True, "auth": False}},
                          "tgi-fleet:gateway.auth is false with tgi-fleet:environment 'prod'"),
    "gptq-on-fp16": ({"model": {"id": "mistralai/Mistral-7B-Instruct-v0.3", "quantize": "gptq"}},
                     "tgi-fleet:model.quantize = 'gptq': mistralai/Mistral-7B-Instruct-v0.3 is not a pre-quantized "
                     "checkpoint"),
    "country-zz": ({"salad": {**SALAD, "country_codes": ["zz"]}},
                   "tgi-fleet:salad.country_codes = [\"zz\"]: 'zz' is not a SaladCloud country code"),
}


def overridden(config: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A stack's `tgi-fleet:*` config with a case's overrides (None removes the key)."""
    out = dict(config)
    for key, value in overrides.items():
        if value is None:
            out.pop(f"tgi-fleet:{key}", None)
        else:
            out[f"tgi-fleet:{key}"] = value
    return out
