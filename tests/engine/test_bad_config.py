"""Bad stack config through the real program and engine: `pulumi preview` WITHOUT the policy pack fails, names
the key, prints no traceback and registers nothing. One project; each case writes its stack file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.engine.harness import Project, copy_program, make_project

STACK = "bad"
ROOT = Path(__file__).resolve().parents[2]
SALAD = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]["tgi-fleet:salad"]
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


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Project, dict[str, Any]]]:
    """The real program on the `local` stack's config (secrets encrypted once), offline from the Hub."""
    tmp = tmp_path_factory.mktemp("bad-config")
    p = make_project(tmp, copy_program(tmp), stack=STACK, extra_env={"HF_HUB_OFFLINE": "1"})
    local = yaml.safe_load((p.workdir / "stacks" / "Pulumi.local.yaml").read_text())["config"]
    for key in ("tgi-fleet:hf_token", "tgi-fleet:salad_api_key"):
        p.config(key, f"{key}-value", secret=True)
    encrypted = yaml.safe_load((p.workdir / "stacks" / f"Pulumi.{STACK}.yaml").read_text())
    base = {**encrypted, "config": {**local, **encrypted["config"]}}
    yield p, base
    p.run("stack", "rm", "--yes", "--force", STACK, check=False)


def test_the_base_config_previews(bad: tuple[Project, dict[str, Any]]) -> None:
    """The control: the same project and stack file without the fault previews the whole deployment."""
    p, base = bad
    (p.workdir / "stacks" / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(base))
    out = p.run("preview")
    assert "tgi-fleet:index:TgiService" in out.stdout and "pulumi-python:dynamic:Resource" in out.stdout, out.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_fails_at_preview_naming_the_key(bad: tuple[Project, dict[str, Any]], case: str) -> None:
    p, base = bad
    overrides, expected = CASES[case]
    config = dict(base["config"])
    for key, value in overrides.items():
        if value is None:
            config.pop(f"tgi-fleet:{key}", None)
        else:
            config[f"tgi-fleet:{key}"] = value
    (p.workdir / "stacks" / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({**base, "config": config}))
    out = p.run("preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert expected in text, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    # Refused before any resource was registered: only the stack itself appears in the preview.
    assert "tgi-fleet:index:TgiService" not in text and "pulumi-python:dynamic:Resource" not in text, text
