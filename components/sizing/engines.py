"""Each engine's own memory rule and the limits it launches with, keyed by tgi-fleet:engine (pure functions).

TGI keeps tgi-fleet's rule (memory.estimate_memory: weights + KV for max_total_tokens + prefill workspace + CUDA
context, all of the GPU). vLLM and SGLang each take a fraction of the GPU and split it their own way:

- vLLM preallocates gpu_memory_utilization x VRAM, profiles a forward pass of max_num_batched_tokens, gives the
  rest to the KV cache and refuses to start when one max_model_len sequence does not fit in it.
- SGLang reserves mem_fraction_static x VRAM for the weights and the KV pool; the rest is for activations (a
  chunked prefill) and CUDA graphs; its default fraction depends on the GPU's memory and the TP size.

Every number below is the engine's own, from the release named beside it (vLLM 0.32.0 as installed from PyPI,
vllm/...; SGLang 0.5.23 from PyPI, sglang/srt/...). The engine modules (components/engines/) read
EngineLimits.flags for the launch arguments; nothing here names a provider.
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from components.catalog.gpus import Gpu
from components.catalog.models import ModelArch
from components.sizing.memory import (
    DTYPE_BYTES,
    MIB,
    Dtype,
    MemoryEstimate,
    Quantize,
    effective_quantize,
    estimate_memory,
)

GIB = 1024**3
TGI_PREFILL_ROUNDING = 256  # tgi-fleet's default max_batch_prefill_tokens: max_input_tokens rounded up to this
KvCacheDtype = Literal["auto", "fp8", "fp8_e4m3", "fp8_e5m2"]
KV_CACHE_DTYPE_BYTES: dict[str, int] = {"fp8": 1, "fp8_e4m3": 1, "fp8_e5m2": 1}  # "auto": the model's dtype

# The engine-specific serving keys, and the engines that read each (the config refuses one set for another).
KNOB_ENGINES: dict[str, tuple[str, ...]] = {
    "gpu_memory_utilization": ("vllm",),
    "mem_fraction_static": ("sglang",),
    "kv_cache_dtype": ("vllm", "sglang"),
    "max_num_seqs": ("vllm", "sglang"),
}

# vLLM: vllm/config/cache.py CacheConfig.gpu_memory_utilization default.
VLLM_GPU_MEMORY_UTILIZATION = 0.92
# vLLM profiles CUDA graph memory and takes it from the KV cache (vllm/v1/worker/gpu_worker.py
# determine_available_memory: "CUDA graph memory profiling is enabled (default since v0.21.0)"). Its size depends on
# the capture sizes and the model; provisional, like memory.CUDA_CONTEXT_BYTES (to be fitted by bench/).
VLLM_CUDA_GRAPH_BYTES = 512 * MIB


class EngineKnobs(BaseModel):
    """The stack's engine-specific serving keys (tgi-fleet:serving.*); None: the engine's own default."""

    model_config = ConfigDict(frozen=True)
    gpu_memory_utilization: float | None = None  # vLLM --gpu-memory-utilization
    mem_fraction_static: float | None = None  # SGLang --mem-fraction-static
    kv_cache_dtype: KvCacheDtype = "auto"  # vLLM and SGLang --kv-cache-dtype
    max_num_seqs: int | None = None  # vLLM --max-num-seqs, SGLang --max-running-requests


class EngineLimits(BaseModel):
    """What the plan launches an engine with, and the KV tokens it expects the engine to hold on the GPU."""

    engine: str
    flags: dict[str, str] = Field(description="the engine's own launch flags and their values, in order")
    memory_fraction: float = Field(description="vLLM's gpu_memory_utilization or SGLang's mem_fraction_static")
    kv_token_capacity: int = Field(description="KV-cache tokens the engine will have on the chosen GPU (per GPU)")
    max_num_seqs: int = Field(description="the concurrent sequences the engine batches")
    knobs: EngineKnobs = Field(description="the engine's keys as launched (its defaults resolved): what the "
                                           "policy contract carries for the pack to recompute the fit")
    why: list[str] = Field(description="where each number comes from, for the sizing report")


def kv_bytes_per_token(arch: ModelArch, dtype: Dtype, num_shard: int, kv_cache_dtype: str = "auto") -> int:
    """K and V for every layer and this GPU's KV heads, in the KV cache's dtype ("auto": the model's)."""
    kv_heads = math.ceil(arch.kv_heads / num_shard)
    per = KV_CACHE_DTYPE_BYTES.get(kv_cache_dtype, DTYPE_BYTES[dtype])
    return 2 * arch.num_hidden_layers * kv_heads * arch.dim_per_head * per


class EngineRule(Protocol):
    """One engine's sizing rule."""

    quantize_fixes: tuple[Quantize, ...]  # methods the fit check offers when the weights do not fit

    def default_prefill(self, max_input: int, gpu: Gpu | None, num_shard: int) -> int:
        """The prefill batch (tokens) the engine uses when the stack sets none."""

    def default_max_num_seqs(self, gpu: Gpu | None, num_shard: int) -> int | None:
        """The concurrent sequences the engine batches when the stack sets none (None: not the engine's flag)."""

    def check_limits(self, max_input: int, total: int, prefill: int, context: int, max_num_seqs: int | None
                     ) -> list[str]:
        """The engine's own start-up rules for the token limits; empty when consistent."""

    def estimate(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
                 num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> MemoryEstimate:
        """Per-GPU memory by part; min_vram_bytes is the smallest GPU the engine starts on with these limits."""

    def limits(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
               num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> EngineLimits | None:
        """The engine's launch limits and its expected KV capacity (None: the engine reads the plan as today)."""


def _tgi_limits(max_input: int, total: int, prefill: int, context: int) -> list[str]:
    problems = []
    if max_input >= total:
        problems.append(f"max_input_tokens ({max_input}) must be < max_total_tokens ({total})")
    if total > context:
        problems.append(f"max_total_tokens ({total}) exceeds the model's context ({context})")
    if prefill < max_input:
        problems.append(f"max_batch_prefill_tokens ({prefill}) must be >= max_input_tokens ({max_input})")
    return problems


def length_problems(max_input: int, total: int, context: int, flag: str) -> list[str]:
    """The length limits every OpenAI-style engine checks at start: input < total <= the model's context.

    flag: the engine's own name for the total, e.g. "vLLM's --max-model-len".
    """
    problems = []
    if max_input >= total:
        problems.append(f"max_input_tokens ({max_input}) must be < max_total_tokens ({total}, {flag})")
    if total > context:
        problems.append(f"max_total_tokens ({total}, {flag}) exceeds the model's context ({context})")
    return problems


class TgiRule:
    """TGI: tgi-fleet's rule, unchanged (the plan's limits are TGI's launcher env; components/tgi.py)."""

    quantize_fixes: tuple[Quantize, ...] = ("eetq", "awq")

    def default_prefill(self, max_input: int, gpu: Gpu | None, num_shard: int) -> int:
        return math.ceil(max_input / TGI_PREFILL_ROUNDING) * TGI_PREFILL_ROUNDING

    def default_max_num_seqs(self, gpu: Gpu | None, num_shard: int) -> int | None:
        return None

    def check_limits(self, max_input: int, total: int, prefill: int, context: int, max_num_seqs: int | None
                     ) -> list[str]:
        return _tgi_limits(max_input, total, prefill, context)

    def estimate(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
                 num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> MemoryEstimate:
        return estimate_memory(arch, dtype=dtype, quantize=quantize, max_total_tokens=total,
                               max_batch_prefill_tokens=prefill, num_shard=num_shard)

    def limits(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
               num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> EngineLimits | None:
        return None


def _engine_estimate(arch: ModelArch, dtype: Dtype, quantize: Quantize, total: int, prefill: int, num_shard: int,
                     kv_cache_dtype: str, extra_overhead: int) -> MemoryEstimate:
    """The parts every engine has (weights, KV for one sequence of `total`, prefill activations, context)."""
    base = estimate_memory(arch, dtype=dtype, quantize=quantize, max_total_tokens=total,
                           max_batch_prefill_tokens=prefill, num_shard=num_shard)
    kv_tok = kv_bytes_per_token(arch, dtype, num_shard, kv_cache_dtype)
    overhead = base.overhead_bytes + extra_overhead
    used = base.weights_bytes_per_shard + kv_tok * total + base.prefill_workspace_bytes + overhead
    return base.model_copy(update={"kv_cache_bytes_per_token": kv_tok, "kv_cache_bytes": kv_tok * total,
                                   "overhead_bytes": overhead, "min_vram_bytes": used})


def _with_reserve(mem: MemoryEstimate, need: int) -> MemoryEstimate:
    """The estimate whose min_vram_bytes is `need`: the part the engine leaves unused is its reserve."""
    return mem.model_copy(update={"engine_reserve_bytes": max(0, need - mem.min_vram_bytes),
                                  "min_vram_bytes": max(need, mem.min_vram_bytes)})


def _quantization_flag(arch: ModelArch, quantize: Quantize) -> str | None:
    q = effective_quantize(arch, quantize)
    return None if q == "none" else q


class VllmRule:
    """vLLM 0.32.0."""

    quantize_fixes: tuple[Quantize, ...] = ("fp8", "awq")  # on-the-fly fp8; AWQ needs a pre-quantized checkpoint

    def default_prefill(self, max_input: int, gpu: Gpu | None, num_shard: int) -> int:
        return self._defaults(gpu)[0]

    def default_max_num_seqs(self, gpu: Gpu | None, num_shard: int) -> int | None:
        return self._defaults(gpu)[1]

    @staticmethod
    def _defaults(gpu: Gpu | None) -> tuple[int, int]:
        """(max_num_batched_tokens, max_num_seqs) for the OpenAI server: vllm/engine/arg_utils.py
        EngineArgs.get_batch_defaults (>= 160 GiB: 16384/1024; >= 70 GiB and not an A100: 8192/1024; else
        2048/256)."""
        vram = gpu.vram_bytes if gpu else 0
        if vram >= 160 * GIB:
            return 16384, 1024
        if vram >= 70 * GIB and gpu is not None and "a100" not in gpu.name.lower():
            return 8192, 1024
        return 2048, 256

    def check_limits(self, max_input: int, total: int, prefill: int, context: int, max_num_seqs: int | None
                     ) -> list[str]:
        problems = length_problems(max_input, total, context, "vLLM's --max-model-len")
        # vllm/config/scheduler.py SchedulerConfig.verify_max_model_len.
        if max_num_seqs is not None and prefill < max_num_seqs:
            problems.append(f"max_batch_prefill_tokens ({prefill}, vLLM's --max-num-batched-tokens) must be >= "
                            f"max_num_seqs ({max_num_seqs})")
        return problems

    @staticmethod
    def _utilization(knobs: EngineKnobs) -> float:
        return knobs.gpu_memory_utilization or VLLM_GPU_MEMORY_UTILIZATION

    def estimate(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
                 num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> MemoryEstimate:
        # requested = ceil(VRAM x utilization) (vllm/v1/worker/utils.py request_memory); the KV cache gets
        # requested - weights - profiled peak - CUDA graphs (gpu_worker.determine_available_memory), and must hold
        # one --max-model-len sequence (vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory).
        mem = _engine_estimate(arch, dtype, quantize, total, prefill, num_shard, knobs.kv_cache_dtype,
                               VLLM_CUDA_GRAPH_BYTES)
        return _with_reserve(mem, math.ceil(mem.min_vram_bytes / self._utilization(knobs)))

    def limits(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
               num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> EngineLimits | None:
        util = self._utilization(knobs)
        seqs = knobs.max_num_seqs or self._defaults(gpu)[1]
        mem = self.estimate(arch, dtype=dtype, quantize=quantize, total=total, prefill=prefill,
                            num_shard=num_shard, knobs=knobs, gpu=gpu)
        capacity = 0
        if gpu is not None:
            free = math.ceil(gpu.vram_bytes * util) - (mem.weights_bytes_per_shard + mem.prefill_workspace_bytes
                                                      + mem.overhead_bytes)
            capacity = max(0, free // mem.kv_cache_bytes_per_token)
        flags = {"--max-model-len": str(total), "--max-num-batched-tokens": str(prefill),
                 "--max-num-seqs": str(seqs), "--tensor-parallel-size": str(num_shard)}
        quant = _quantization_flag(arch, quantize)
        if quant:
            flags["--quantization"] = quant
        flags["--kv-cache-dtype"] = knobs.kv_cache_dtype
        flags["--gpu-memory-utilization"] = f"{util:g}"
        why = [
            f"--gpu-memory-utilization {util:g}: "
            + ("tgi-fleet:serving.gpu_memory_utilization" if knobs.gpu_memory_utilization
               else "vLLM's default (vllm/config/cache.py)"),
            f"KV cache = {util:g} x VRAM - weights - prefill peak of {prefill} tokens - CUDA context and graphs; "
            f"vLLM refuses to start unless one --max-model-len {total} sequence fits",
        ]
        resolved = knobs.model_copy(update={"gpu_memory_utilization": util, "max_num_seqs": seqs})
        return EngineLimits(engine="vllm", flags=flags, memory_fraction=util, kv_token_capacity=capacity,
                            max_num_seqs=seqs, why=why, knobs=resolved)


def _sglang_prefill_graph_sizes(max_bs: int) -> int:
    """How many prefill batch sizes SGLang captures CUDA graphs for (sglang/srt/arg_groups/cuda_graph_hook.py
    generate_prefill_cuda_graph_batch_sizes; prefill graphs are on by default on CUDA, cuda_graph_config.py)."""
    sizes = (list(range(4, 33, 4)) + list(range(48, 257, 16)) + list(range(288, 513, 32))
             + list(range(576, 1025, 64)) + list(range(1280, 4097, 256)) + list(range(4608, max_bs + 1, 512)))
    return sum(1 for s in sizes if s <= max_bs)


class SglangRule:
    """SGLang 0.5.23."""

    quantize_fixes: tuple[Quantize, ...] = ("fp8", "awq")

    @staticmethod
    def _tier(gpu_mib: float | None, tp: int) -> tuple[int, int]:
        """(chunked_prefill_size, decode cuda graph max_bs) by GPU memory in MiB and TP size
        (sglang/srt/arg_groups/memory_hook.py _handle_gpu_memory_settings)."""
        if gpu_mib is None:
            return 4096, 160
        if gpu_mib < 20 * 1024:
            return 2048, 8
        if gpu_mib < 35 * 1024:
            return 4096, 48 if tp < 4 else 160
        if gpu_mib < 60 * 1024:
            return 4096, 32 if tp < 4 else 160
        if gpu_mib < 160 * 1024:
            return 8192, 256 if tp < 4 else 512
        return 16384, 512

    def default_prefill(self, max_input: int, gpu: Gpu | None, num_shard: int) -> int:
        return self._tier(gpu.vram_bytes / MIB if gpu else None, num_shard)[0]

    def default_max_num_seqs(self, gpu: Gpu | None, num_shard: int) -> int | None:
        return None  # SGLang derives it from the KV pool it builds (capacity_max_running_requests)

    @staticmethod
    def capacity_max_running_requests(capacity: int, context: int) -> int:
        """SGLang's own default: min(clamp(capacity / context x 512, 2048, 4096), capacity // 2)
        (sglang/srt/mem_cache/kv_cache_configurator.py resolve_max_num_reqs)."""
        estimated = max(min(int(capacity / context * 512), 4096), 2048)
        return max(0, min(estimated, capacity // 2))

    def check_limits(self, max_input: int, total: int, prefill: int, context: int, max_num_seqs: int | None
                     ) -> list[str]:
        problems = length_problems(max_input, total, context, "SGLang's --context-length")
        return problems

    def reserved_mib(self, gpu_mib: float, tp: int, chunk: int, max_running: int | None) -> float:
        """What SGLang's default leaves outside the static part, MiB: 512 + 1.5 x max(chunked prefill, 2048) +
        TP/8 x 1024 + decode graphs (2 x max_bs) + prefill graphs (8 per captured size), at least 10 GiB above
        60 GiB (sglang/srt/arg_groups/memory_hook.py _handle_gpu_memory_settings, reserve_for_graph_mb)."""
        _, max_bs = self._tier(gpu_mib, tp)
        if max_running is not None:
            max_bs = min(max_bs, max_running)
        reserved = 512 + max(chunk, 2048) * 1.5 + tp / 8 * 1024 + max_bs * 2 + _sglang_prefill_graph_sizes(chunk) * 8
        return max(reserved, 10 * 1024) if gpu_mib > 60 * 1024 else reserved

    def default_fraction(self, gpu_mib: float, tp: int, chunk: int, max_running: int | None) -> float:
        """mem_fraction_static's default: round((GPU memory - reserved) / GPU memory, 3) (memory_hook.py)."""
        return round((gpu_mib - self.reserved_mib(gpu_mib, tp, chunk, max_running)) / gpu_mib, 3)

    def _fraction(self, knobs: EngineKnobs, gpu_bytes: int, tp: int, chunk: int) -> float:
        if knobs.mem_fraction_static is not None:
            return knobs.mem_fraction_static
        return self.default_fraction(gpu_bytes / MIB, tp, chunk, knobs.max_num_seqs)

    def estimate(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
                 num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> MemoryEstimate:
        # The static part (weights + KV pool) must hold one --context-length sequence, or SGLang has no KV room
        # ("Not enough memory. Please try to increase --mem-fraction-static", model_executor/pool_configurator.py);
        # the rest holds the prefill activations and the CUDA context.
        mem = _engine_estimate(arch, dtype, quantize, total, prefill, num_shard, knobs.kv_cache_dtype, 0)
        static = mem.weights_bytes_per_shard + mem.kv_cache_bytes
        dynamic = mem.prefill_workspace_bytes + mem.overhead_bytes
        if knobs.mem_fraction_static is not None:
            f = knobs.mem_fraction_static
            return _with_reserve(mem, max(math.ceil(static / f), math.ceil(dynamic / (1 - f))))

        def reserve(vram: float) -> int:
            return math.ceil(self.reserved_mib(vram / MIB, num_shard, prefill, knobs.max_num_seqs) * MIB)

        if gpu is not None:
            # This GPU's default leaves reserved(VRAM) outside the static part.
            return _with_reserve(mem, max(static + reserve(gpu.vram_bytes), dynamic))
        # No GPU yet (a quote): the smallest memory V with V - reserved(V) >= the static part.
        vram = static + reserve(static)
        for _ in range(4):
            vram = static + reserve(vram)
        return _with_reserve(mem, max(vram, dynamic))

    def limits(self, arch: ModelArch, *, dtype: Dtype, quantize: Quantize, total: int, prefill: int,
               num_shard: int, knobs: EngineKnobs, gpu: Gpu | None) -> EngineLimits | None:
        vram = gpu.vram_bytes if gpu else 0
        fraction = self._fraction(knobs, vram, num_shard, prefill) if gpu or knobs.mem_fraction_static else 0.0
        mem = self.estimate(arch, dtype=dtype, quantize=quantize, total=total, prefill=prefill,
                            num_shard=num_shard, knobs=knobs, gpu=gpu)
        capacity = max(0, (math.floor(vram * fraction) - mem.weights_bytes_per_shard) // mem.kv_cache_bytes_per_token)
        seqs = knobs.max_num_seqs or self.capacity_max_running_requests(capacity, total)
        flags = {"--context-length": str(total), "--chunked-prefill-size": str(prefill)}
        if fraction:  # with no GPU chosen and no key set, SGLang picks both at start (the CLI without --gpu)
            flags["--max-running-requests"] = str(seqs)
        flags["--tp-size"] = str(num_shard)
        quant = _quantization_flag(arch, quantize)
        if quant:
            flags["--quantization"] = quant
        flags["--kv-cache-dtype"] = knobs.kv_cache_dtype
        if fraction:
            flags["--mem-fraction-static"] = f"{fraction:g}"
        share = f"{fraction:g} x VRAM" if fraction else "mem_fraction_static x VRAM"
        why = [
            f"--mem-fraction-static {fraction:g}: " + (
                "tgi-fleet:serving.mem_fraction_static" if knobs.mem_fraction_static
                else "SGLang's default for this GPU and TP size (sglang/srt/arg_groups/memory_hook.py)")
            if fraction else "--mem-fraction-static: SGLang's default for the GPU it starts on (no GPU chosen)",
            f"weights + KV pool = {share}; the rest holds the {prefill}-token chunked prefill and CUDA graphs; the "
            f"pool must hold one --context-length {total} sequence",
        ]
        resolved = knobs.model_copy(update={"mem_fraction_static": fraction or None, "max_num_seqs": seqs})
        return EngineLimits(engine="sglang", flags=flags, memory_fraction=fraction, kv_token_capacity=capacity,
                            max_num_seqs=seqs, why=why, knobs=resolved)


RULES: dict[str, EngineRule] = {"tgi": TgiRule(), "vllm": VllmRule(), "sglang": SglangRule(),
                                "trt-llm": TgiRule()}  # Baseten's TensorRT-LLM builder: sized as today


def rule(engine: str) -> EngineRule:
    """The sizing rule of an engine (tgi-fleet:engine's value); KeyError names the known ones."""
    try:
        return RULES[engine]
    except KeyError:
        raise KeyError(f"no sizing rule for engine {engine!r}; known: {', '.join(RULES)}") from None
