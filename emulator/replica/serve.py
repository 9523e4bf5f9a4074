"""What the simulated OpenAI-compatible engines (vLLM, SGLang) share as processes: the simulation settings from an
engine's limits, its bearer-key check, and serving on loopback."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

import uvicorn
from fastapi import FastAPI, Request

from emulator.replica.settings import Settings
from emulator.replica.warmup import model_config

DEFAULT_CONTEXT = 4096  # a model the emulated Hub lacks: what the simulation assumes for its context length
DEFAULT_SEQS = 256  # concurrent sequences where the engine's flag is unset


def engine_settings(env: dict[str, str], *, model: str, context: int | None, prefill: int | None,
                    seqs: int | None, shards: int, quantize: str | None, dtype: str,
                    memory_fraction: float | None) -> Settings:
    """The shared simulation settings (TGI_SIM_* from `env`) with an engine's limits, as its flags set them."""
    base = Settings.from_env(env)
    config = model_config(model) or {}
    length = context or int(config.get("max_position_embeddings") or DEFAULT_CONTEXT)
    return dataclasses.replace(
        base, model_id=model, max_input_tokens=length, max_total_tokens=length,
        max_batch_prefill_tokens=prefill or length, max_concurrent_requests=seqs or DEFAULT_SEQS, num_shard=shards,
        quantize=quantize or "none", dtype=dtype, memory_fraction=memory_fraction or base.memory_fraction)


def bearer_ok(request: Request, keys: Collection[str]) -> bool:
    """Whether the request's `Authorization: Bearer <key>` names one of the keys (both engines check it so)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token in keys


def serve(app: FastAPI, port: int) -> int:
    """Serve on 127.0.0.1:port whatever the engine's --host says: the emulators run every replica on this machine.

    uvicorn's info level: its startup line and one access line per request, as the engines' logs show them.
    """
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")
    return 0
