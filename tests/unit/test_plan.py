"""The program's own plan checks: token limits against the model, and the GPU fit (refused unless overridden)."""

from __future__ import annotations

from typing import Any

import pytest

from components.config import FleetConfig
from components.plan import PlanError, check_fit
from components.stack import parse_config
from components.tgi import launcher_env
from policies.rules import evaluate
from tests.plans import contract_for, plan_for
from tests.program.harness import raw_config


def config(**keys: Any) -> FleetConfig:
    base: dict[str, Any] = {"provider": "salad", "replicas": 3, "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                            "gpu": {"classes": ["RTX 4090 (24 GB)"]}}
    base.update(keys)
    return parse_config(raw_config(base))


MIXTRAL_ON_4090 = {"model": {"id": "mistralai/Mixtral-8x22B-Instruct-v0.1"}}


def test_a_plan_that_fits_passes() -> None:
    cfg = config()
    assert check_fit(cfg, plan_for(cfg)) is None


def test_a_plan_that_does_not_fit_is_refused_with_the_verdict_the_numbers_and_the_fix() -> None:
    cfg = config(**MIXTRAL_ON_4090)
    with pytest.raises(PlanError) as info:
        check_fit(cfg, plan_for(cfg))
    msg = str(info.value)
    assert msg.startswith("tgi-fleet:gpu: sizing verdict DOES NOT FIT: mistralai/Mixtral-8x22B-Instruct-v0.1")
    assert "needs 272.22 GiB per GPU (weights 261.94 GiB" in msg and "RTX 4090 (24 GB) has 24.00 GiB" in msg
    assert "Fix: pick a GPU class with >= 273 GB" in msg and "tgi-fleet:sizing.allow_unfit: true" in msg


def test_a_shorter_context_is_offered_when_it_fits() -> None:
    cfg = config(gpu={"classes": ["RTX 4070 Ti Super (16 GB)"]}, serving={"max_total_tokens": 32768})
    with pytest.raises(PlanError, match=r"or set max_total_tokens <= 4096"):
        check_fit(cfg, plan_for(cfg))


def test_the_override_deploys_with_a_warning_the_policy_pack_still_sees() -> None:
    cfg = config(**MIXTRAL_ON_4090, sizing={"allow_unfit": True})
    plan = plan_for(cfg)
    warning = check_fit(cfg, plan)
    assert warning and "DOES NOT FIT" in warning and "allow_unfit is set" in warning
    props = contract_for(cfg, plan, plain_env=launcher_env(cfg, plan), secret_env=[]).props()
    assert props["allow_unfit"] is True
    (denial,) = evaluate(props)["gpu-vram-minimum"]
    assert "allow_unfit" in denial and "this policy still stops it" in denial


@pytest.mark.parametrize("serving,expected", [
    ({"max_total_tokens": 1000000}, "tgi-fleet:serving.max_total_tokens = 1000000: beyond the context of "
                                    "mistralai/Mistral-7B-Instruct-v0.3 (32768 tokens). Fix: set "
                                    "serving.max_total_tokens <= 32768"),
    ({"max_input_tokens": 40000}, "tgi-fleet:serving.max_input_tokens = 40000: beyond the context"),
    ({"max_input_tokens": 32760}, "tgi-fleet:serving: max_total_tokens (32856) exceeds the model's context"),
])
def test_limits_beyond_the_models_context(serving: dict[str, int], expected: str) -> None:
    with pytest.raises(PlanError) as info:
        plan_for(config(serving=serving))
    assert expected in str(info.value)


# Issue #27 item 9. TGI's sharded models raise "`num_heads` must be divisible by `num_shards`" at load
# (huggingface/text-generation-inference, server/text_generation_server/models/custom_modeling/
# flash_llama_modeling.py, FlashLlamaAttention.__init__), and run one shard per GPU of the instance.
def test_num_shard_must_divide_the_attention_heads() -> None:
    qwen = {"model": {"id": "Qwen/Qwen2.5-7B-Instruct"}, "serving": {"num_shard": 8}}  # 28 heads
    with pytest.raises(PlanError, match=r"serving\.num_shard = 8: .*28 attention heads.*one of 1, 2, 4"):
        plan_for(config(**qwen))


def test_num_shard_beyond_the_gpus_of_the_class_is_refused() -> None:
    with pytest.raises(PlanError, match=r"serving\.num_shard = 4: RTX 4090 \(24 GB\) has 1 GPU.*num_shard <= 1"):
        plan_for(config(serving={"num_shard": 4}))


def test_gptq_needs_a_gptq_checkpoint() -> None:
    # GPTQ/AWQ read pre-quantized weights; the checkpoint's config.json says which (quantization_config.quant_method).
    with pytest.raises(PlanError, match=r"model\.quantize = 'gptq': .*not a pre-quantized checkpoint.*Fix: use a "
                                        r"GPTQ checkpoint"):
        plan_for(config(model={"id": "mistralai/Mistral-7B-Instruct-v0.3", "quantize": "gptq"}))
    gptq = plan_for(config(model={"id": "TheBloke/Llama-2-13B-chat-GPTQ", "quantize": "gptq"}))
    assert gptq.quantize == "gptq"


def test_missing_config_path_says_no_such_file(tmp_path: Any) -> None:
    missing = str(tmp_path / "nope" / "config.json")
    with pytest.raises(PlanError, match=r"model\.config_path = .*no such file\. Fix: the path of the model's"):
        plan_for(config(model={"id": "mistralai/Mistral-7B-Instruct-v0.3", "config_path": missing}))
