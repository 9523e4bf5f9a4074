"""SGLang's own command line, the part tgi-fleet drives: `python -m sglang.launch_server --model-path MODEL ...`
(or `sglang serve ...`), parsed as SGLang parses it.

SGLang's parser is plain argparse (sglang 0.5.23, sglang/srt/server_args.py prepare_server_args:
ArgumentParser(prog="sglang serve") + ServerArgs.add_cli_args): no underscore spelling, and a flag it does not know
ends the process with "sglang serve: error: unrecognized arguments: ..." and exit status 2. Flags SGLang has that the
simulation does not model are refused the same way, naming them (emulator/data/sglang-flags.txt lists SGLang's own,
dumped from its parser). The simulation does not take abbreviated flags (argparse's allow_abbrev), which SGLang does.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from emulator.replica.vllm.cli import human_readable_int

FLAGS = Path(__file__).resolve().parents[2] / "data" / "sglang-flags.txt"
DTYPES = ("auto", "half", "float16", "bfloat16", "float", "float32")
KV_CACHE_DTYPES = ("auto", "fp8_e5m2", "fp8_e4m3", "mxfp8", "bf16", "bfloat16", "nvfp4", "fp4_mx_block16")
QUANTIZATIONS = ("awq", "fp8", "mxfp8", "gptq", "gptq_marlin", "awq_marlin", "bitsandbytes", "gguf", "modelopt",
                 "modelopt_fp8", "modelopt_fp4", "nvfp4_online", "modelopt_mixed", "petit_nvfp4", "w8a8_int8",
                 "w8a8_fp8", "moe_wna16", "w4afp8", "mxfp4", "auto-round", "auto-round-int8", "compressed-tensors",
                 "modelslim", "mxfp_w4a8", "quark", "quark_int4fp8_moe", "quark_mxfp4", "mlx_q4", "mlx_q8",
                 "unquant", "humming")
DEFAULT_PORT = 30000


@dataclass(frozen=True)
class SglangArgs:
    """The flags the simulation models, with SGLang's defaults."""

    model_path: str
    served_model_name: str | None
    host: str
    port: int
    api_key: str | None
    context_length: int | None  # None: the model's own context length
    chunked_prefill_size: int | None
    max_running_requests: int | None
    tp_size: int
    mem_fraction_static: float | None
    quantization: str | None
    dtype: str
    kv_cache_dtype: str
    enable_metrics: bool = False  # SGLang serves /metrics only with it; the simulation serves it either way

    @property
    def name(self) -> str:
        """The model name the server reports (--served-model-name, else the model path)."""
        return self.served_model_name or self.model_path


@cache
def sglang_flags() -> frozenset[str]:
    """Every option string SGLang 0.5.23's server parser knows."""
    return frozenset(line.strip() for line in FLAGS.read_text().splitlines() if line.startswith("-"))


def parser() -> argparse.ArgumentParser:
    """The modelled flags, spelled and typed as SGLang declares them."""
    p = argparse.ArgumentParser(prog="sglang serve", allow_abbrev=False)
    p.add_argument("--model-path", "--model", required=True)
    p.add_argument("--served-model-name", default=None)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--api-key", default=None)
    p.add_argument("--context-length", type=human_readable_int, default=None)
    p.add_argument("--chunked-prefill-size", type=int, default=None)
    p.add_argument("--max-running-requests", type=int, default=None)
    p.add_argument("--tp-size", "--tensor-parallel-size", type=int, default=1)
    p.add_argument("--mem-fraction-static", type=float, default=None)
    p.add_argument("--quantization", choices=QUANTIZATIONS, default=None)
    p.add_argument("--dtype", choices=DTYPES, default="auto")
    p.add_argument("--kv-cache-dtype", choices=KV_CACHE_DTYPES, default="auto")
    p.add_argument("--enable-metrics", action="store_true")  # tgi-fleet's SGLang launch always passes it
    return p


def parse(argv: Sequence[str]) -> SglangArgs:
    """SGLang's arguments; SystemExit(2) with argparse's message for a flag SGLang refuses or the simulation lacks."""
    p = parser()
    ns, unknown = p.parse_known_args(list(argv))
    if unknown:
        modelled = {o for a in p._actions for o in a.option_strings}
        not_modelled = [f for f in (u.partition("=")[0] for u in unknown)
                        if f in sglang_flags() and f not in modelled]
        if not_modelled:
            p.error(f"the simulated SGLang does not model {', '.join(not_modelled)} (a real SGLang flag): "
                    f"unrecognized arguments: {' '.join(unknown)}")
        p.error(f"unrecognized arguments: {' '.join(unknown)}")
    return SglangArgs(model_path=ns.model_path, served_model_name=ns.served_model_name, host=ns.host, port=ns.port,
                      api_key=ns.api_key, context_length=ns.context_length,
                      chunked_prefill_size=ns.chunked_prefill_size, max_running_requests=ns.max_running_requests,
                      tp_size=ns.tp_size, mem_fraction_static=ns.mem_fraction_static, quantization=ns.quantization,
                      dtype=ns.dtype, kv_cache_dtype=ns.kv_cache_dtype, enable_metrics=ns.enable_metrics)
