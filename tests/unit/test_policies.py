"""Each policy rule's pass and fail case, on contracts built by the real config -> plan -> contract code."""

from __future__ import annotations

from typing import Any

import pytest

from components.stack import parse_config
from components.tgi import HF_TOKEN_ENV, launcher_env
from policies.rules import RULES, evaluate, looks_secret
from tests.plans import contract_for, plan_for
from tests.program.harness import raw_config


def props(**config: Any) -> dict[str, Any]:
    """TgiService props for a stack config (keys without the tgi-fleet: prefix)."""
    base: dict[str, Any] = {
        "provider": "salad", "environment": "dev", "replicas": 3,
        "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"}, "gpu": {"classes": ["RTX 4090 (24 GB)"]},
    }
    base.update(config)
    cfg = parse_config(raw_config(base))
    plan = plan_for(cfg)
    return contract_for(cfg, plan, plain_env=launcher_env(cfg, plan), secret_env=[HF_TOKEN_ENV]).props()


def violations(p: dict[str, Any], rule: str, config: dict[str, Any] | None = None) -> list[str]:
    return evaluate(p, {rule: config or {}})[rule]


def test_a_safe_plan_passes_every_rule() -> None:
    assert all(not v for v in evaluate(props()).values())


def test_gpu_vram_minimum() -> None:
    assert violations(props(), "gpu-vram-minimum") == []
    msg = violations(props(gpu={"classes": ["RTX 3060 (12 GB)"]}), "gpu-vram-minimum")
    assert len(msg) == 1
    assert "needs 15.46 GiB per GPU; RTX 3060 (12 GB) has 12.00 GiB: pick a GPU class with >= 16 GB" in msg[0]
    assert "quantize the weights (model.quantize: eetq" in msg[0]


def test_gpu_vram_minimum_recomputes_instead_of_trusting_the_component() -> None:
    p = props(gpu={"classes": ["RTX 3060 (12 GB)"]})
    p["min_vram_bytes"] = 1  # a component that lies about its needs is still stopped
    assert violations(p, "gpu-vram-minimum")


def test_gpu_vram_minimum_suggests_a_shorter_context() -> None:
    msg = violations(props(gpu={"classes": ["RTX 4070 Ti Super (16 GB)"]}, serving={"max_total_tokens": 32768}),
                     "gpu-vram-minimum")
    assert "set max_total_tokens <= 4096" in msg[0]


def test_prod_replica_minimum_with_config() -> None:
    assert violations(props(replicas=3), "prod-replica-minimum") == []
    assert "set tgi-fleet:replicas >= 3" in violations(props(replicas=2), "prod-replica-minimum")[0]
    prod = props(replicas=3, environment="prod", gateway={"auth": True})
    assert "set tgi-fleet:replicas >= 5" in violations(prod, "prod-replica-minimum")[0]
    assert violations(prod, "prod-replica-minimum", {"prodMinimum": 3}) == []
    assert violations(props(replicas=3), "prod-replica-minimum", {"interruptibleMinimum": 4})


@pytest.mark.parametrize("image,ok", [
    ("ghcr.io/huggingface/text-generation-inference:3.3.0", True),
    ("ghcr.io/huggingface/text-generation-inference@sha256:" + "a" * 64, True),
    ("ghcr.io/huggingface/text-generation-inference:latest", False),
    ("ghcr.io/huggingface/text-generation-inference", False),
    ("localhost:5000/tgi", False),
])
def test_pinned_image(image: str, ok: bool) -> None:
    p = props()
    p["image"] = image  # the program refuses these itself; the pack is the second line for any component
    assert (violations(p, "pinned-image") == []) is ok


def test_secrets_are_secret() -> None:
    p = props()
    assert violations(p, "secrets-are-secret") == []
    p["plain_env"] = {**p["plain_env"], "HF_TOKEN": "x"}
    assert "env HF_TOKEN is passed in plain text" in violations(p, "secrets-are-secret")[0]
    p["plain_env"] = {"NOT_A_NAME": "hf_" + "a" * 30}
    assert violations(p, "secrets-are-secret")  # the value looks like a token, whatever its name


@pytest.mark.parametrize("name,secret", [("HF_TOKEN", True), ("HUGGING_FACE_HUB_TOKEN", True),
                                         ("SALAD_API_KEY", True), ("AWS_SECRET_ACCESS_KEY", True),
                                         ("MAX_TOTAL_TOKENS", False), ("MAX_INPUT_TOKENS", False),
                                         ("KEY_VALUE_CACHE", False), ("API_KEY", True)])
def test_secret_names(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


def test_gateway_auth_in_prod() -> None:
    assert violations(props(environment="prod", replicas=5, gateway={"auth": True}), "gateway-auth-in-prod") == []
    # The program refuses this config itself (#27.9); the pack still judges a plan that reaches it (another
    # program, an older tgi-fleet): the contract of the same service with its gateway's auth switched off.
    unauthenticated = props(environment="prod", replicas=5, gateway={"auth": True})
    unauthenticated["gateway_auth"] = False
    msg = violations(unauthenticated, "gateway-auth-in-prod")
    assert "set tgi-fleet:gateway.auth: true" in msg[0]
    assert violations(props(environment="prod", replicas=5, gateway={"enabled": False}), "gateway-auth-in-prod") == []


def test_token_limits_consistent() -> None:
    assert violations(props(), "token-limits-consistent") == []
    bad = {**props(), "max_input_tokens": 5000, "max_total_tokens": 4096, "max_batch_prefill_tokens": 2048}
    msgs = violations(bad, "token-limits-consistent")
    assert any("must be < max_total_tokens" in m for m in msgs)
    assert any("max_batch_prefill_tokens (2048) must be >= max_input_tokens" in m for m in msgs)
    too_long = {**props(), "max_total_tokens": 65536}
    assert "exceeds the model's context (32768)" in violations(too_long, "token-limits-consistent")[0]


def test_shards_fit_gpus() -> None:
    assert violations(props(), "shards-fit-gpus") == []
    # The program refuses both plans itself (#27.9); the pack still judges a contract that reaches it, so the
    # shard count is set on the contract of a plan the program accepts.
    msgs = violations({**props(), "num_shard": 2}, "shards-fit-gpus")
    assert "num_shard 2 needs 2 GPUs per replica" in msgs[0]
    p = props(gpu={"classes": ["8x A100 (80 GB SXM)"]}, model={"id": "Qwen/Qwen2.5-7B-Instruct"},
              serving={"num_shard": 4}, resources={"shm_mb": 2048})
    assert "28 attention heads, which 8 shards cannot split" in violations({**p, "num_shard": 8}, "shards-fit-gpus")[0]


def test_gpu_compute_capability() -> None:
    assert violations(props(), "gpu-compute-capability") == []
    # A Turing card's contract (the program refuses an AWQ plan on a checkpoint the catalog does not ship as AWQ,
    # and Qwen2.5-7B in fp16 does not fit its 11 GB, so the card's facts are set on a plan it accepts).
    turing = {**props(), "gpu_class": "RTX 2080 Ti (11 GB)", "gpu_name": "RTX 2080 Ti", "gpu_compute_capability": 7.5}
    assert "compute capability 7.5 < 8" in violations(turing, "gpu-compute-capability")[0]
    assert violations(turing, "gpu-compute-capability", {"minimum": 7.5}) == []
    assert violations(turing, "gpu-compute-capability", {"allow": ["RTX 2080 Ti"]}) == []


def test_shm_for_shards() -> None:
    sharded = {"gpu": {"classes": ["8x A100 (80 GB SXM)"]}, "model": {"id": "mistralai/Mixtral-8x22B-Instruct-v0.1"}}
    assert violations(props(**sharded), "shm-for-shards") == []  # 1 GiB default when sharded
    msg = violations(props(**sharded, resources={"shm_mb": 64}), "shm-for-shards")
    assert "resources.shm_mb >= 1024" in msg[0]


def test_hourly_cost_ceiling_is_advisory() -> None:
    rule = next(r for r in RULES if r.name == "hourly-cost-ceiling")
    advisory = {"hourly-cost-ceiling", "logs-shipped-in-prod"}
    assert not rule.mandatory and {r.name for r in RULES if not r.mandatory} == advisory
    assert violations(props(), "hourly-cost-ceiling") == []
    assert "over the $0.50/h ceiling" in violations(props(), "hourly-cost-ceiling", {"maxUsdPerHour": 0.5})[0]


def test_issue_policy_names_all_exist() -> None:
    assert {r.name for r in RULES} == {
        "gpu-vram-minimum", "prod-replica-minimum", "pinned-image", "secrets-are-secret", "gateway-auth-in-prod",
        "token-limits-consistent", "shards-fit-gpus", "requests-fit-node", "gpu-compute-capability",
        "shm-for-shards", "hourly-cost-ceiling", "logs-shipped-in-prod"}


def test_logs_shipped_in_prod_is_advisory() -> None:
    prod = {"environment": "prod", "replicas": 5, "gateway": {"auth": True}}
    (message,) = violations(props(**prod), "logs-shipped-in-prod")
    assert "container logs go nowhere beyond the node" in message and "tgi-fleet:salad.logging" in message
    axiom = {"logging": {"axiom": {"host": "api.axiom.co", "dataset": "tgi"}}}
    assert violations(props(**prod, salad=axiom), "logs-shipped-in-prod") == []
    assert violations(props(), "logs-shipped-in-prod") == []  # dev: no advice
