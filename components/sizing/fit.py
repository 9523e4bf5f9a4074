"""Does a plan fit its GPU, and what would make it fit: shared by the program's fit check and the policy pack."""

from __future__ import annotations

import math

from components.catalog.models import ModelArch
from components.sizing.memory import Quantize, estimate_memory

SHORTER_TOTALS = (32768, 16384, 8192, 4096, 2048, 1024, 512)
QUANTIZE_FIXES: tuple[Quantize, ...] = ("eetq", "awq")


def need(arch: ModelArch, dtype: str, quantize: str, total: int, prefill: int, num_shard: int) -> int:
    """Minimum VRAM per GPU for these limits (weights + KV cache + prefill workspace + CUDA context)."""
    return estimate_memory(
        arch,
        dtype=dtype,  # type: ignore[arg-type]
        quantize=quantize,  # type: ignore[arg-type]
        max_total_tokens=total,
        max_batch_prefill_tokens=prefill,
        num_shard=num_shard,
    ).min_vram_bytes


def fixes(arch: ModelArch, dtype: str, quantize: str, total: int, prefill: int, num_shard: int,
          vram_bytes: int, gpu_count: int) -> list[str]:
    """What would make the plan fit a GPU of vram_bytes: a bigger GPU, a shorter context, quantization, shards."""
    needed = need(arch, dtype, quantize, total, prefill, num_shard)
    found = [f"pick a GPU class with >= {math.ceil(needed / 1024**3)} GB"]
    shorter = next((t for t in SHORTER_TOTALS
                    if t < total and need(arch, dtype, quantize, t, min(prefill, t), num_shard) <= vram_bytes), None)
    if shorter:
        found.append(f"set max_total_tokens <= {shorter}")
    elif quantize == "none":
        quant = next((q for q in QUANTIZE_FIXES if need(arch, dtype, q, total, prefill, num_shard) <= vram_bytes),
                     None)
        if quant:
            found.append(f"quantize the weights (model.quantize: {quant}, or a pre-quantized checkpoint)")
    if num_shard < gpu_count:
        found.append(f"shard over the {gpu_count} GPUs (num_shard)")
    return found
