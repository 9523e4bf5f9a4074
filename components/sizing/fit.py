"""Does a plan fit its GPU, and what would make it fit: shared by the program's fit check and the policy pack."""

from __future__ import annotations

import math
from dataclasses import dataclass

from components.catalog.gpus import Gpu
from components.catalog.models import ModelArch
from components.sizing.engines import EngineKnobs, rule

SHORTER_TOTALS = (32768, 16384, 8192, 4096, 2048, 1024, 512)
SHARD_COUNTS = (1, 2, 4, 8)  # tgi-fleet:serving.num_shard's values


def need(arch: ModelArch, dtype: str, quantize: str, total: int, prefill: int, num_shard: int,
         engine: str = "tgi", knobs: EngineKnobs | None = None, gpu: Gpu | None = None) -> int:
    """Minimum VRAM per GPU for these limits by the engine's own rule (TGI: weights + KV cache + prefill workspace
    + CUDA context; vLLM and SGLang: that over the fraction of the GPU they take). gpu: the GPU it runs on, where
    the engine's defaults depend on it."""
    return rule(engine).estimate(
        arch,
        dtype=dtype,  # type: ignore[arg-type]
        quantize=quantize,  # type: ignore[arg-type]
        total=total,
        prefill=prefill,
        num_shard=num_shard,
        knobs=knobs or EngineKnobs(),
        gpu=gpu,
    ).min_vram_bytes


def fixes(arch: ModelArch, dtype: str, quantize: str, total: int, prefill: int, num_shard: int,
          vram_bytes: int, gpu_count: int, engine: str = "tgi", knobs: EngineKnobs | None = None,
          gpu: Gpu | None = None) -> list[str]:
    """What would make the plan fit a GPU of vram_bytes: a bigger GPU, a shorter context, quantization, shards."""
    needed = need(arch, dtype, quantize, total, prefill, num_shard, engine, knobs)
    found = [f"pick a GPU class with >= {math.ceil(needed / 1024**3)} GB"]
    shorter = next((t for t in SHORTER_TOTALS
                    if t < total and need(arch, dtype, quantize, t, min(prefill, t), num_shard, engine, knobs, gpu)
                    <= vram_bytes), None)
    if shorter:
        found.append(f"set max_total_tokens <= {shorter}")
    elif quantize == "none":
        quant = next((q for q in rule(engine).quantize_fixes
                      if need(arch, dtype, q, total, prefill, num_shard, engine, knobs, gpu) <= vram_bytes), None)
        if quant:
            found.append(f"quantize the weights (model.quantize: {quant}, or a pre-quantized checkpoint)")
    if num_shard < gpu_count:
        found.append(f"shard over the {gpu_count} GPUs (num_shard)")
    return found


@dataclass(frozen=True)
class ShardFit:
    """Whether num_shard passes TGI's two load-time rules for a model and an instance's GPUs."""

    splits_heads: bool  # the attention heads split evenly over the shards
    fits_gpus: bool  # one shard per GPU: no more shards than the instance has GPUs
    divisors: tuple[int, ...]  # the num_shard values that split the heads


def shard_fit(num_shard: int, heads: int, gpu_count: int) -> ShardFit:
    """num_shard must split the attention heads evenly and fit the GPUs one instance has.

    TGI's sharded models refuse other splits at load time: "`num_heads` must be divisible by `num_shards`"
    (huggingface/text-generation-inference, server/text_generation_server/models/custom_modeling/
    flash_llama_modeling.py and the other flash_*_modeling.py), and it starts one shard per visible GPU.
    """
    return ShardFit(splits_heads=heads % num_shard == 0, fits_gpus=num_shard <= gpu_count,
                    divisors=tuple(n for n in SHARD_COUNTS if heads % n == 0))
