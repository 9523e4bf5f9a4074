"""The simulated TGI's launcher settings, read from the environment as TGI reads them, plus its TGI_SIM_* knobs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Settings:
    """TGI launcher settings from the environment."""

    model_id: str
    max_input_tokens: int
    max_total_tokens: int
    max_batch_prefill_tokens: int
    max_concurrent_requests: int
    max_client_batch_size: int
    num_shard: int
    quantize: str
    dtype: str
    payload_limit: int
    compute_type: str
    load_s: float
    token_ms: float
    vram_bytes: int | None
    memory_fraction: float
    download_mb_s: float | None = None  # this node's Hub download rate (TGI_SIM_DOWNLOAD_MB_S); None: cached
    faults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        total = int(env.get("MAX_TOTAL_TOKENS", "4096"))
        max_input = int(env.get("MAX_INPUT_TOKENS", str(total - 1)))
        faults = {}
        for item in filter(None, (f.strip() for f in env.get("TGI_SIM_FAULTS", "").split(","))):
            key, _, value = item.partition(":")
            faults[key] = value
        vram = env.get("TGI_SIM_GPU_VRAM_BYTES")
        return cls(
            model_id=env.get("MODEL_ID", "bigscience/bloom-560m"),
            max_input_tokens=max_input,
            max_total_tokens=total,
            max_batch_prefill_tokens=int(env.get("MAX_BATCH_PREFILL_TOKENS", str(max_input + 50))),
            max_concurrent_requests=int(env.get("MAX_CONCURRENT_REQUESTS", "128")),
            max_client_batch_size=int(env.get("MAX_CLIENT_BATCH_SIZE", "4")),
            num_shard=int(env.get("NUM_SHARD", "1")),
            quantize=env.get("QUANTIZE", "none"),
            dtype=env.get("DTYPE", "float16"),
            payload_limit=int(env.get("PAYLOAD_LIMIT", "2000000")),  # bytes; the router answers 413 above it
            compute_type=env.get("COMPUTE_TYPE", "gpu+optimized"),
            load_s=float(env.get("TGI_SIM_LOAD_S", "3")),
            token_ms=float(faults.get("slow_tokens") or env.get("TGI_SIM_TOKEN_MS", "5")),
            vram_bytes=int(vram) if vram else None,
            memory_fraction=float(env.get("CUDA_MEMORY_FRACTION", "1.0")),  # TGI's --cuda-memory-fraction
            download_mb_s=float(env["TGI_SIM_DOWNLOAD_MB_S"]) if env.get("TGI_SIM_DOWNLOAD_MB_S") else None,
            faults=faults,
        )
