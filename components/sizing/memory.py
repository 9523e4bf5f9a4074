"""Device memory model of one TGI shard: weights + KV cache + prefill workspace + CUDA context."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel

from components.catalog.models import ModelArch

Dtype = Literal["float16", "bfloat16", "float32"]
Quantize = Literal["none", "bitsandbytes", "bitsandbytes-nf4", "bitsandbytes-fp4", "eetq", "gptq", "awq", "fp8"]

MIB = 1024**2
GIB = 1024**3
DTYPE_BYTES: dict[str, int] = {"float16": 2, "bfloat16": 2, "float32": 4}

# CUDA context + cuBLAS/NCCL workspaces + the caching allocator's slack, per GPU. TGI starts one process per
# shard, each with its own context. Provisional constants: to be fitted to bench/sizing_accuracy.py's table.
CUDA_CONTEXT_BYTES = 600 * MIB
NCCL_BYTES_PER_SHARD = 256 * MIB
ALLOCATOR_SLACK = 0.03  # of the shard's weights: fragmentation of the torch caching allocator


def bytes_per_linear_weight(quantize: Quantize, dtype: Dtype, group_size: int | None) -> float:
    """Stored bytes per linear-layer weight, scales and zero points included."""
    group = group_size or 128
    if quantize in ("gptq", "awq"):
        # 4-bit packed + one fp16 scale and one 4-bit zero point per group.
        return 0.5 + (2 + 0.5) / group
    if quantize in ("bitsandbytes-nf4", "bitsandbytes-fp4"):
        return 0.5 + 4 / 64  # 4-bit + an fp32 absmax per 64-weight block
    if quantize in ("bitsandbytes", "eetq", "fp8"):
        return 1.0  # int8/fp8 weights; per-channel scales are negligible
    return float(DTYPE_BYTES[dtype])


def effective_quantize(arch: ModelArch, quantize: Quantize) -> Quantize:
    """The quantization that applies: an explicit one, or the one a pre-quantized checkpoint carries."""
    if quantize != "none" or arch.quantization_config is None:
        return quantize
    method = arch.quantization_config.quant_method.lower()
    if method in ("gptq", "awq", "fp8"):
        return method  # type: ignore[return-value]
    return quantize


class MemoryEstimate(BaseModel):
    """Bytes one shard needs, by part, and their sum."""

    params: int
    num_shard: int
    weights_bytes: int  # whole model
    weights_bytes_per_shard: int
    kv_cache_bytes_per_token: int  # per shard
    kv_cache_bytes: int  # per shard, for max_total_tokens
    prefill_workspace_bytes: int  # per shard, for max_batch_prefill_tokens
    overhead_bytes: int  # per shard: CUDA context, NCCL, allocator slack
    min_vram_bytes: int  # per GPU: the sum of the four parts above (and the engine's reserve)
    # Per GPU: what the engine's own rule keeps outside its budget (vLLM: 1 - gpu_memory_utilization of the GPU;
    # SGLang: its default reserve beyond these parts). 0 for TGI, which sizes itself to the GPU.
    engine_reserve_bytes: int = 0


def kv_bytes_per_token(arch: ModelArch, dtype: Dtype, num_shard: int) -> int:
    """K and V for every layer; KV heads are split across shards (replicated when fewer than shards)."""
    kv_heads = math.ceil(arch.kv_heads / num_shard)
    return 2 * arch.num_hidden_layers * kv_heads * arch.dim_per_head * DTYPE_BYTES[dtype]


def prefill_workspace_bytes(arch: ModelArch, dtype: Dtype, num_shard: int, tokens: int) -> int:
    """Peak activations of one layer during a prefill of `tokens` (TGI's warm-up runs exactly this).

    Live at the MLP peak: the residual stream, its normed copy and the attention output (3 x hidden),
    q/k/v for this shard, and gate, up and act(gate)*up (3 x intermediate / shards, times the experts a
    token is routed to). Logits are computed for the last token of each request only, in fp32.
    """
    b = DTYPE_BYTES[dtype]
    qkv = (arch.num_attention_heads + 2 * arch.kv_heads) * arch.dim_per_head // num_shard
    mlp = 3 * arch.intermediate_size * arch.experts_per_token // num_shard
    per_token = b * (3 * arch.hidden_size + qkv + mlp)
    logits = 4 * arch.vocab_size
    return tokens * per_token + logits


def estimate_memory(
    arch: ModelArch,
    *,
    dtype: Dtype = "float16",
    quantize: Quantize = "none",
    max_total_tokens: int,
    max_batch_prefill_tokens: int,
    num_shard: int = 1,
) -> MemoryEstimate:
    """Per-GPU device memory to serve one request of max_total_tokens after a prefill warm-up."""
    q = effective_quantize(arch, quantize)
    counts = arch.param_counts()
    group = arch.quantization_config.group_size if arch.quantization_config else None
    linear_b = bytes_per_linear_weight(q, dtype, group)
    weights = int(counts.linear * linear_b + counts.other * DTYPE_BYTES[dtype])
    per_shard = math.ceil(weights / num_shard)
    kv_tok = kv_bytes_per_token(arch, dtype, num_shard)
    kv = kv_tok * max_total_tokens
    prefill = prefill_workspace_bytes(arch, dtype, num_shard, max_batch_prefill_tokens)
    overhead = CUDA_CONTEXT_BYTES + int(ALLOCATOR_SLACK * per_shard)
    if num_shard > 1:
        overhead += NCCL_BYTES_PER_SHARD
    return MemoryEstimate(
        params=counts.total,
        num_shard=num_shard,
        weights_bytes=weights,
        weights_bytes_per_shard=per_shard,
        kv_cache_bytes_per_token=kv_tok,
        kv_cache_bytes=kv,
        prefill_workspace_bytes=prefill,
        overhead_bytes=overhead,
        min_vram_bytes=per_shard + kv + prefill + overhead,
    )
