"""What every provider gives the TGI container: launcher env from the plan, /dev/shm, the policy contract."""

from __future__ import annotations

from typing import Any

from components.tgi import MIB, launcher_env, shm_bytes
from tests.plans import contract_for, plan_for
from tests.program.harness import stack_config

BASE: dict[str, Any] = {"provider": "salad", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                        "gpu": {"classes": ["RTX 4090 (24 GB)"]}}


def env_of(**overrides: Any) -> dict[str, str]:
    cfg = stack_config(BASE, {"salad_api_key": "k"}, **overrides)
    return launcher_env(cfg, plan_for(cfg))


def test_limits_come_from_the_plan() -> None:
    env = env_of(serving={"max_total_tokens": 2048})
    assert env["MAX_TOTAL_TOKENS"] == "2048" and int(env["MAX_INPUT_TOKENS"]) < 2048
    assert env["MODEL_ID"] == "mistralai/Mistral-7B-Instruct-v0.3" and env["NUM_SHARD"] == "1"
    assert env["HOSTNAME"] == "::" and env["PORT"] == "3000" and "DTYPE" not in env and "QUANTIZE" not in env


def test_dtype_and_quantize_are_exclusive() -> None:
    # TGI refuses --dtype together with --quantize.
    assert env_of(model={**BASE["model"], "dtype": "bfloat16"})["DTYPE"] == "bfloat16"
    quantized = env_of(model={**BASE["model"], "dtype": "bfloat16", "quantize": "eetq"})
    assert quantized["QUANTIZE"] == "eetq" and "DTYPE" not in quantized


def test_revision_remote_code_and_extra_env() -> None:
    env = env_of(model={**BASE["model"], "revision": "abc123", "trust_remote_code": True},
                 extra_env={"PAYLOAD_LIMIT": "4000000"})
    assert env["REVISION"] == "abc123" and env["TRUST_REMOTE_CODE"] == "true"
    # extra_env adds what tgi-fleet does not set; a key it sets (PORT from gateway.port) is refused (#27.9).
    assert env["PAYLOAD_LIMIT"] == "4000000"


def test_shm_default_grows_when_sharded() -> None:
    one = stack_config(BASE, {"salad_api_key": "k"})
    assert shm_bytes(one, plan_for(one)) == 64 * MIB
    four = stack_config(BASE, {"salad_api_key": "k"}, model={"id": "mistralai/Mixtral-8x22B-Instruct-v0.1"},
                        gpu={"classes": ["8x A100 (80 GB SXM)"], "count": 4}, serving={"num_shard": 4})
    assert shm_bytes(four, plan_for(four)) == 1024 * MIB
    custom = stack_config(BASE, {"salad_api_key": "k"}, resources={"shm_mb": 256})
    assert shm_bytes(custom, plan_for(custom)) == 256 * MIB


def test_contract_carries_the_providers_facts() -> None:
    cfg = stack_config(BASE, {"salad_api_key": "k", "api_key": "a"}, environment="prod", replicas=3,
                       gateway={"auth": True})
    plan = plan_for(cfg)
    contract = contract_for(cfg, plan, plain_env={"A": "1"}, secret_env=["HF_TOKEN"])
    assert contract.interruptible and contract.provider == "salad" and contract.replicas == 3
    assert contract.gpu_class == "RTX 4090 (24 GB)" and contract.gpu_vram_bytes == 24 * 1024**3
    assert contract.hourly_cost == plan.hourly_cost and contract.secret_env == ["HF_TOKEN"]
