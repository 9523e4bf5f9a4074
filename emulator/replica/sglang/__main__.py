"""python -m emulator.replica.sglang <SGLang's launch_server arguments>: one simulated SGLang server on 127.0.0.1."""

from __future__ import annotations

import os
import sys

from emulator.replica.serve import engine_settings, serve
from emulator.replica.settings import Settings
from emulator.replica.sglang.app import create_app
from emulator.replica.sglang.cli import SglangArgs, parse


def settings_for(args: SglangArgs, env: dict[str, str]) -> Settings:
    """The shared simulation settings (TGI_SIM_* from `env`) with the engine's limits from its flags."""
    return engine_settings(env, model=args.model_path, context=args.context_length,
                           prefill=args.chunked_prefill_size, seqs=args.max_running_requests, shards=args.tp_size,
                           quantize=args.quantization, dtype=args.dtype, memory_fraction=args.mem_fraction_static)


def main(argv: list[str] | None = None) -> int:
    """Parse SGLang's flags (exit 2 on one it refuses) and serve on 127.0.0.1 whatever --host says."""
    env = dict(os.environ)
    args = parse(sys.argv[1:] if argv is None else argv)
    app = create_app(args, settings_for(args, env))
    return serve(app, args.port)


if __name__ == "__main__":
    sys.exit(main())
