"""python -m emulator.replica.vllm <vLLM's arguments>: one simulated vLLM server on 127.0.0.1."""

from __future__ import annotations

import os
import sys

from emulator.replica.serve import engine_settings, serve
from emulator.replica.settings import Settings
from emulator.replica.vllm.app import create_app
from emulator.replica.vllm.cli import VllmArgs, parse


def settings_for(args: VllmArgs, env: dict[str, str]) -> Settings:
    """The shared simulation settings (TGI_SIM_* from `env`) with the engine's limits from its flags."""
    return engine_settings(env, model=args.model, context=args.max_model_len, prefill=args.max_num_batched_tokens,
                           seqs=args.max_num_seqs, shards=args.tensor_parallel_size, quantize=args.quantization,
                           dtype=args.dtype, memory_fraction=args.gpu_memory_utilization)


def main(argv: list[str] | None = None) -> int:
    """Parse vLLM's flags (exit 2 on one it refuses) and serve on 127.0.0.1 whatever --host says."""
    env = dict(os.environ)
    args = parse(sys.argv[1:] if argv is None else argv, env)
    app = create_app(args, settings_for(args, env))
    return serve(app, args.port)


if __name__ == "__main__":
    sys.exit(main())
