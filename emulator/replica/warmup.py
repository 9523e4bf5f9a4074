"""TGI's own memory rule at start-up, as its model server and router apply it, for the emulated GPU.

Loading puts the weights on the GPU (torch.OutOfMemoryError when they do not fit). Warm-up then takes the memory
still free, times TGI_WIGGLE_ROOM, and turns it into KV-cache blocks (text-generation-inference,
server/text_generation_server/models/flash_causal_lm.py, `warmup`):
    total_cache_size = num_layers * BLOCK_SIZE * num_kv_heads * head_size * 2 * dtype_size
    num_blocks = int((free_memory * TGI_WIGGLE_ROOM) // total_cache_size)
with free_memory from get_free_memory(device, MEMORY_FRACTION) (CUDA_MEMORY_FRACTION, default 1.0) and
TGI_WIGGLE_ROOM 0.90 (models/globals.py). The router then refuses to start when one sequence of max_total_tokens
does not fit the blocks (backends/v3/src/lib.rs, connect_backend: "Not enough memory to handle
`max_total_tokens={0}`"). The model's facts come from the emulated Hub (hub.yaml and the model's config.json),
never from tgi-fleet's sizing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
# The model's config.json as the Hub serves it: the copies vendored beside tgi-fleet's catalog are read as data.
CONFIGS = HERE.parents[1] / "components" / "catalog" / "models"
BLOCK_SIZE = 16  # paged attention's block; the rounding it causes is far below what the rule decides
CUDA_CONTEXT_BYTES = 512 * 2**20  # the CUDA context and allocator's own reserve on a fresh process
BYTES_PER_PARAM = {"float16": 2.0, "bfloat16": 2.0, "float32": 4.0}
# On-the-fly quantizations TGI applies at load: their weight bytes per parameter.
QUANTIZED_BYTES = {"eetq": 1.0, "fp8": 1.0, "bitsandbytes": 1.0, "bitsandbytes-nf4": 0.5, "bitsandbytes-fp4": 0.5}


@dataclass(frozen=True)
class Verdict:
    """What TGI's start-up says on this GPU: ok, or the error line it prints and exits with."""

    error: str | None
    kv_tokens: int = 0


@cache
def hub() -> dict[str, dict[str, float]]:
    """The emulated Hub's model sizes (hub.yaml)."""
    data: dict[str, dict[str, float]] = yaml.safe_load((HERE / "hub.yaml").read_text())
    return data


def model_config(model_id: str) -> dict[str, Any] | None:
    """The model's config.json, or None for a model the emulated Hub does not have."""
    path = CONFIGS / f"{model_id.replace('/', '--')}.json"
    if model_id not in hub() or not path.is_file():
        return None
    config: dict[str, Any] = json.loads(path.read_text())
    return config


def weights_bytes(model_id: str, dtype: str, quantize: str) -> float | None:
    """The model's weights on the GPU (and, unquantized, on the wire), from the Hub's figures; None if unknown."""
    facts = hub().get(model_id)
    if facts is None:
        return None
    if "checkpoint_bytes" in facts:
        return facts["checkpoint_bytes"]
    return facts["params"] * QUANTIZED_BYTES.get(quantize, BYTES_PER_PARAM.get(dtype, 2.0))


def download_bytes(model_id: str, dtype: str) -> float | None:
    """What the launcher downloads: the checkpoint as published (on-the-fly quantization happens after)."""
    return weights_bytes(model_id, dtype, "none")


def warm_up(model_id: str, dtype: str, quantize: str, num_shard: int, max_total_tokens: int,
            vram_bytes: int, memory_fraction: float = 1.0, wiggle_room: float = 0.90) -> Verdict | None:
    """TGI's start-up verdict for one shard on a GPU of vram_bytes; None when the Hub does not know the model."""
    config = model_config(model_id)
    if config is None:
        return None
    weights = weights_bytes(model_id, dtype, quantize)
    assert weights is not None
    weights_per_shard = weights / num_shard
    usable = vram_bytes * memory_fraction - CUDA_CONTEXT_BYTES
    gib = 2**30
    if weights_per_shard > usable:
        return Verdict(f"torch.OutOfMemoryError: CUDA out of memory. Loading {model_id} needs "
                       f"{weights_per_shard / gib:.2f} GiB of weights per shard; the GPU has "
                       f"{vram_bytes / gib:.2f} GiB total capacity.")
    heads = int(config["num_attention_heads"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    head_size = int(config.get("head_dim") or int(config["hidden_size"]) // heads)
    kv_dtype_size = 2  # the KV cache is kept in the compute dtype (fp16/bf16) unless KV_CACHE_DTYPE says fp8
    total_cache_size = (int(config["num_hidden_layers"]) * BLOCK_SIZE * max(kv_heads // num_shard, 1) * head_size
                        * 2 * kv_dtype_size)
    num_blocks = int(((usable - weights_per_shard) * wiggle_room) // total_cache_size)
    kv_tokens = num_blocks * BLOCK_SIZE
    if max_total_tokens > kv_tokens:
        return Verdict(f"Error: Not enough memory to handle `max_total_tokens={max_total_tokens}` "
                       f"({kv_tokens} tokens of KV cache fit after "
                       f"{weights_per_shard / gib:.2f} GiB of weights per shard; the GPU has "
                       f"{vram_bytes / gib:.2f} GiB total capacity).", kv_tokens)
    return Verdict(None, kv_tokens)
