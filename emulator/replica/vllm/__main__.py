"""python -m emulator.replica.vllm <vLLM's arguments>: one simulated vLLM server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import os
import sys

import uvicorn

from emulator.replica.settings import Settings
from emulator.replica.vllm.app import create_app
from emulator.replica.vllm.cli import VllmArgs, parse
from emulator.replica.warmup import model_config

DEFAULT_CONTEXT = 4096  # a model the emulated Hub lacks: what the simulation assumes for its context length


def settings_for(args: VllmArgs, env: dict[str, str]) -> Settings:
    """The shared simulation settings (TGI_SIM_* from `env`) with vLLM's limits from its flags."""
    config = model_config(args.model) or {}
    context = args.max_model_len or int(config.get("max_position_embeddings") or DEFAULT_CONTEXT)
    return dataclasses.replace(
        Settings.from_env(env), model_id=args.model, max_input_tokens=context, max_total_tokens=context,
        max_batch_prefill_tokens=args.max_num_batched_tokens or context,
        max_concurrent_requests=args.max_num_seqs or 256, num_shard=args.tensor_parallel_size,
        quantize=args.quantization or "none", dtype=args.dtype, memory_fraction=args.gpu_memory_utilization)


def main(argv: list[str] | None = None) -> int:
    """Parse vLLM's flags (exit 2 on one it refuses) and serve on 127.0.0.1 whatever --host says."""
    env = dict(os.environ)
    args = parse(sys.argv[1:] if argv is None else argv, env)
    app = create_app(args, settings_for(args, env))
    # Loopback only: the emulators run every replica on this machine; --host is accepted and not honoured.
    # uvicorn's info level: its startup line and one access line per request, as vLLM's log shows them.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
